// Hostile or careless input to predict: image bombs, a page of dots, models of the wrong shape, a bad --debug-dir.
// Each ends in one line naming the file, in bounded memory, and the rest of the batch is still read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { Network } from '../src/engine/network.js';
import { saveModel } from '../src/model/file-node.js';
import { lastJson, REPO_ROOT, runCli, spec } from './helpers.js';
import type { CliResult } from './helpers.js';

const dir = await mkdtemp(join(tmpdir(), 'mnist-image-limits-'));

async function modelFile(name: string, layers: number[]): Promise<string> {
  const network = await Network.create(spec(layers), { engine: 'ts', init: { seed: 1 } });
  const file = join(dir, name);
  await saveModel(file, { spec: network.spec, layout: network.layout, parameters: network.getParameters(), metrics: [] });
  return file;
}
const model = await modelFile('model.json', [784, 16, 10]);

// An ink stroke on white: something every run of the batch can read after the bad file.
const goodImage = join(dir, 'z-good.png');
await writeFile(goodImage, await sharp(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="120" height="120"><rect width="120" height="120" fill="white"/><polyline points="40,25 80,25 55,100" fill="none" stroke="black" stroke-width="9"/></svg>')).png().toBuffer());

/** The CLI in a child process that reports its peak resident memory (MiB) on exit. */
async function runCliMeasured(args: string[]): Promise<CliResult & { peakMiB: number }> {
  const report = 'data:text/javascript,process.on("exit",()=>process.stderr.write("peak-rss-kib "+process.resourceUsage().maxRSS+"\\n"))';
  const child = spawn(process.execPath, ['--import', report, join(REPO_ROOT, 'dist/cli.js'), ...args], { cwd: REPO_ROOT });
  let stdout = '', stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d));
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const peak = /peak-rss-kib (\d+)\n$/.exec(stderr);
  assert.ok(peak, stderr);
  return { code, stdout, stderr: stderr.slice(0, peak.index), peakMiB: Number(peak[1]) / 1024 };
}

function crc32(bytes: Uint8Array): number {
  let crc = ~0;
  for (const b of bytes) {
    crc ^= b;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return ~crc >>> 0;
}

/** A valid PNG header claiming width x height 8-bit gray pixels, followed by one short row of data. */
function pngClaiming(width: number, height: number): Buffer {
  const chunk = (type: string, data: Uint8Array): Buffer => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), body.length + 4);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth; colour type 0 (gray), compression, filter, interlace all 0
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', header), chunk('IDAT', deflateSync(Buffer.alloc(1025))), chunk('IEND', new Uint8Array(0))]);
}

test('a 100-byte PNG claiming 100000x100000 pixels is refused in one line under 400 MB, and the next file is read', async (t) => {
  const bomb = join(dir, 'bomb.png');
  await writeFile(bomb, pngClaiming(100_000, 100_000));
  const run = await runCliMeasured(['predict', '--model', model, bomb, goodImage, '--json']);
  t.diagnostic(`peak ${run.peakMiB.toFixed(0)} MiB; ${run.stderr.trim()}`);
  assert.equal(run.code, 1);
  assert.equal(run.stderr, `mnist-wasm: ${bomb}: 100000x100000 is 10,000,000,000 pixels, more than the limit of 50,000,000 (--max-pixels raises it)\n`);
  const results = lastJson<{ results: { file: string; error?: string; guess?: string }[] }>(run.stdout).results;
  assert.deepEqual(results.map((r) => [r.file, Boolean(r.error), Boolean(r.guess)]), [[bomb, true, false], [goodImage, false, true]]);
  assert.ok(run.peakMiB < 400, `${run.peakMiB} MiB`);
});

test('a 64-megapixel PNG is refused by default and, with --max-pixels raised, read in under 400 MB', async (t) => {
  const huge = join(dir, 'huge.png');
  const side = 8000;
  const mark = Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="2000" height="2000"><polyline points="600,400 1400,400 900,1700" fill="none" stroke="black" stroke-width="150"/></svg>`);
  await sharp({ create: { width: side, height: side, channels: 3, background: '#ffffff' } }).composite([{ input: mark, left: 3000, top: 3000 }]).png().toFile(huge);
  const refused = await runCli(['predict', '--model', model, huge]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /^mnist-wasm: .*huge\.png: 8000x8000 is 64,000,000 pixels, more than the limit of 50,000,000 \(--max-pixels raises it\)\n$/);
  const run = await runCliMeasured(['predict', '--model', model, '--max-pixels', '70000000', huge, '--json']);
  t.diagnostic(`peak ${run.peakMiB.toFixed(0)} MiB`);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(lastJson<{ results: { guess: string }[] }>(run.stdout).results[0].guess.length, 1);
  assert.ok(run.peakMiB < 400, `${run.peakMiB} MiB`);
});

test('a 1000x1000 page of isolated dots gets one line, and the rest of the batch is still read and in --json', async () => {
  const dots = new Uint8Array(1000 * 1000).fill(255);
  for (let y = 1; y < 1000; y += 3) for (let x = 1; x < 1000; x += 3) dots[y * 1000 + x] = 0;
  const file = join(dir, 'dots.png');
  await writeFile(file, await sharp(Buffer.from(dots), { raw: { width: 1000, height: 1000, channels: 1 } }).png().toBuffer());
  const run = await runCli(['predict', '--model', model, file, goodImage, '--json']);
  assert.equal(run.code, 1);
  assert.match(run.stderr, /^mnist-wasm: .*dots\.png: \d+ separate marks, more than the 100 digits one image is read as\n$/);
  const results = lastJson<{ results: { file: string; error?: string; guess?: string }[] }>(run.stdout).results;
  assert.equal(results.length, 2);
  assert.match(results[0].error ?? '', /separate marks/);
  assert.equal(results[1].guess?.length, 1);
});

test('a model without 784 inputs, or with fewer than 10 classes, is refused naming the file and both numbers', async () => {
  const narrow = await modelFile('narrow.json', [392, 10]);
  const binary = await modelFile('binary.json', [784, 2]);
  const a = await runCli(['predict', '--model', narrow, goodImage]);
  assert.equal(a.code, 1);
  assert.equal(a.stderr, `mnist-wasm: ${narrow}: the network takes 392 inputs but digit images (28x28) have 784 pixels\n`);
  const b = await runCli(['predict', '--model', binary, goodImage]);
  assert.equal(b.code, 1);
  assert.equal(b.stderr, `mnist-wasm: ${binary}: the network has 2 output classes but the digits go up to 9 (10 classes)\n`);
  assert.equal(a.stdout + b.stdout, '');
});

test('--debug-dir: a missing folder is created; a file in its place is refused before any image is read', async () => {
  const nested = join(dir, 'debug', 'run1');
  const made = await runCli(['predict', '--model', model, goodImage, '--debug-dir', nested]);
  assert.equal(made.code, 0, made.stderr);
  assert.deepEqual(await readdir(nested), ['z-good.png']);
  const taken = join(dir, 'taken');
  await writeFile(taken, 'not a folder');
  const refused = await runCli(['predict', '--model', model, goodImage, '--debug-dir', taken]);
  assert.equal(refused.code, 1);
  assert.equal(refused.stderr, `mnist-wasm: ${taken}: is a file, not a folder\n`);
  assert.equal(refused.stdout, '');
  const under = await runCli(['predict', '--model', model, goodImage, '--debug-dir', join(taken, 'sub')]);
  assert.equal(under.code, 1);
  assert.match(under.stderr, /^mnist-wasm: .*taken\/sub: \S+taken is a file, not a folder\n$/);
  assert.ok((await stat(taken)).isFile());
});
