// `mnist-wasm augment`: the picture of what training sees, drawn by the core; its destination and flags checked
// before any work, each mistake in one line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { MNIST_DIR, runCli } from './helpers.js';

const dir = await mkdtemp(join(tmpdir(), 'mnist-augment-'));

function refused(run: { code: number | null; stdout: string; stderr: string }, message: string): void {
  assert.equal(run.code, 1, run.stderr);
  assert.equal(run.stdout, '');
  assert.equal(run.stderr, `mnist-wasm: ${message}\n`);
}

test('augment writes a PNG grid: one row per digit, the original and its distortions, different from each other', async () => {
  const out = join(dir, 'new', 'grid.png');
  const run = await runCli(['augment', '--out', out, '--data', MNIST_DIR, '--count', '3', '--variants', '4', '--augment', 'elastic']);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout, `wrote ${out}: 3 training digits, each beside 4 distortions, augment elastic (elastic alpha 34, sigma 4)\n`);
  const { data, info } = await sharp(out).greyscale().raw().toBuffer({ resolveWithObject: true });
  // Cells of 28 x 3 pixels with 4-pixel gaps, and 8 more after the originals' column.
  assert.deepEqual([info.width, info.height], [5 * 84 + 8 * 4, 3 * 84 + 4 * 4]);
  const cell = (row: number, column: number): number[] => {
    const left = column === 0 ? 4 : 12 + column * 88, top = 4 + row * 88;
    return Array.from({ length: 84 * 84 }, (_, k) => data[(top + Math.floor(k / 84)) * info.width + left + (k % 84)]);
  };
  for (let row = 0; row < 3; row++) {
    const cells = [0, 1, 2, 3, 4].map((column) => cell(row, column).join(','));
    assert.equal(new Set(cells).size, 5, `row ${row}: every distortion differs from the original and the others`);
    assert.ok(cell(row, 1).some((v) => v < 128), `row ${row}: the distortion has ink`);
  }
  assert.deepEqual((await readdir(join(dir, 'new'))).filter((f) => f.endsWith('.tmp')), [], 'no temporary file left');
});

test('augment refuses a bad destination or setting in one line before reading the data', async () => {
  const noData = join(dir, 'no-data');
  const aFile = join(dir, 'a-file');
  await writeFile(aFile, 'x');
  refused(await runCli(['augment', '--out', join(dir, 'grid.jpg'), '--data', noData]), `${join(dir, 'grid.jpg')}: the picture is a PNG: give a file name ending in .png`);
  refused(await runCli(['augment', '--out', join(aFile, 'grid.png'), '--data', noData]), `${join(aFile, 'grid.png')}: ${aFile} is a file, not a folder`);
  refused(await runCli(['augment', '--out', join(dir, 'g.png'), '--affine-rotate', '200', '--data', noData]), 'affine rotate must be from 0 to 180 degrees (got 200)');
  refused(await runCli(['augment', '--out', join(dir, 'g.png'), '--input-dropout', '1', '--data', noData]), 'input dropout must be at least 0 and below 1 (got 1)');
  const usage = await runCli(['augment', '--out', join(dir, 'g.png'), '--augment', 'warp']);
  assert.equal(usage.code, 2);
  assert.equal(usage.stderr, "mnist-wasm: option '--augment <mode>' argument 'warp' is invalid. Allowed choices are none, affine, elastic, both.\n");
});
