// Photographs of notebook paper: pen strokes on ruled and squared paper, tilted and unevenly lit, JPEG;
// the lines are erased before segmentation, and a reading the network is not sure of says so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { loadMnist } from '../src/data/mnist.js';
import { Network } from '../src/engine/network.js';
import { loadModel } from '../src/model/file-node.js';
import { segmentDigits } from '../src/image/segment.js';
import { digitVerdict, UNSURE_BELOW } from '../src/image/verdict.js';
import { lastJson, MNIST_DIR, runCli } from './helpers.js';
import { paperSvg, VARIANTS, writeVariants } from './image-variants.js';
import type { Paper } from './image-variants.js';

const dir = await mkdtemp(join(tmpdir(), 'mnist-paper-'));
const modelFile = join(dir, 'model.json');
const trained = await runCli(['train', '--data', MNIST_DIR, '--epochs', '2', '--no-progress', '--no-monitor-train', '--no-monitor-validation', '--save', modelFile, '--simd', 'standard']);
if (trained.code !== 0) throw new Error(trained.stderr);

// A ballpoint 7 and 9 (5 px strokes, about 120 px tall) on a 400x300 photo of the page.
const pen = (width: number): string => `fill="none" stroke="#1a237e" stroke-width="${width}" stroke-linecap="round" stroke-linejoin="round"`;
const PEN = pen(5);
const DIGITS = {
  7: `<polyline points="160,90 240,88 200,210" ${PEN}/>`,
  9: `<circle cx="216" cy="120" r="27" ${PEN}/><polyline points="243,118 238,212" ${PEN}/>`,
};
// The number 479 written across the same page, each digit crossing three or four lines.
const ROW = `<polyline points="90,90 65,170 130,170" ${PEN}/><polyline points="115,120 115,215" ${PEN}/>` +
  `<polyline points="170,90 240,88 205,210" ${PEN}/><circle cx="296" cy="120" r="27" ${PEN}/><polyline points="323,118 318,212" ${PEN}/>`;
const PAPERS: Record<string, Paper> = {
  ruled: { lines: 'ruled' },
  squared: { lines: 'squared' },
  'ruled, tilted 3 degrees, light falling off to 55%': { lines: 'ruled', tilt: 3, shadow: 140 },
};

async function photo(file: string, paper: Paper, ink: string): Promise<string> {
  await writeFile(file, await sharp(Buffer.from(paperSvg(400, 300, paper, ink))).jpeg({ quality: 75 }).toBuffer());
  return file;
}

interface Reading { file: string; number?: string; guess?: string; unsure?: boolean; reason?: string; error?: string }

for (const [name, paper] of Object.entries(PAPERS)) {
  test(`a pen-drawn 7 and 9 on ${name} paper (JPEG) are read as 7 and 9, and sure; 479 on it as 479`, async () => {
    const tag = `${name.split(',')[0]}-${paper.tilt ?? 0}`;
    const seven = await photo(join(dir, `7-${tag}.jpg`), paper, DIGITS[7]);
    const nine = await photo(join(dir, `9-${tag}.jpg`), paper, DIGITS[9]);
    const row = await photo(join(dir, `479-${tag}.jpg`), paper, ROW);
    const run = await runCli(['predict', '--model', modelFile, seven, nine, row, '--json']);
    assert.equal(run.code, 0, run.stderr);
    const results = lastJson<{ results: Reading[] }>(run.stdout).results;
    assert.deepEqual(results.map((r) => [r.number, r.unsure]), [['7', false], ['9', false], ['479', false]], run.stdout);
  });
}

test('the lines are erased and the crop is the ink: the 7 on squared paper is boxed at its own size', async () => {
  const file = await photo(join(dir, 'box-7.jpg'), PAPERS.squared, DIGITS[7]);
  const { data, info } = await sharp(file).greyscale().extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  const segmentation = segmentDigits({ width: info.width, height: info.height, pixels: new Uint8Array(data) });
  // 8 ruled and 11 vertical lines cross the 400x300 page.
  assert.ok(segmentation.linesRemoved >= 15, `${segmentation.linesRemoved} lines removed`);
  assert.equal(segmentation.boxes.length, 1);
  const box = segmentation.boxes[0];
  // The strokes span x 160-240, y 88-210, plus half the 5 px pen on each side.
  assert.ok(Math.abs(box.x0 - 157) <= 4 && Math.abs(box.x1 - 243) <= 4 && Math.abs(box.y0 - 85) <= 4 && Math.abs(box.y1 - 213) <= 4, JSON.stringify(box));
});

test('on blank paper a thin 1 and a 7 whose bar spans the crop are strokes, not lines', async () => {
  const one = join(dir, 'thin-1.png'), seven = join(dir, 'wide-7.png');
  const page = (w: number, ink: string): Buffer => Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="120"><rect width="${w}" height="120" fill="white"/>${ink}</svg>`);
  await sharp(page(60, `<polyline points="30,5 31,115" ${pen(3)}/>`)).png().toFile(one);
  await sharp(page(100, `<polyline points="4,12 96,12 45,116" ${pen(9)}/>`)).png().toFile(seven);
  const run = await runCli(['predict', '--model', modelFile, one, seven, '--json']);
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(lastJson<{ results: Reading[] }>(run.stdout).results.map((r) => r.guess), ['1', '7']);
});

test('MNIST test digits redrawn on ruled, squared and tilted, shaded paper read as the 28x28 originals in >= 90%', async (t) => {
  const paperVariants = Object.fromEntries(Object.entries(VARIANTS).filter(([, v]) => v.paper));
  const folder = join(dir, 'variants');
  await mkdir(folder);
  const { test: testSet } = await loadMnist(MNIST_DIR);
  const count = 60;
  const files = await writeVariants(folder, testSet.images, count, paperVariants);
  const model = await loadModel(modelFile);
  const network = await Network.create(model.spec, { engine: 'wasm', simd: 'standard', parameters: model.parameters });
  const original = (index: number): number => digitVerdict(network.predict(Float64Array.from(testSet.images.subarray(index * 784, (index + 1) * 784), (v) => v / 255))).digit;
  const run = await runCli(['predict', '--model', modelFile, '--single', '--json', folder]);
  assert.equal(run.code, 0, run.stderr);
  const results = lastJson<{ results: Reading[] }>(run.stdout).results;
  assert.equal(results.length, count * Object.keys(paperVariants).length);
  for (const name of Object.keys(paperVariants)) {
    const mine = results.filter((r) => files.get(r.file)?.variant === name);
    const same = mine.filter((r) => Number(r.guess) === original(files.get(r.file)?.index ?? -1)).length;
    t.diagnostic(`${name}: ${same}/${mine.length}, unsure ${mine.filter((r) => r.unsure).length}`);
    assert.ok(same >= 0.9 * mine.length, `${name}: ${same}/${mine.length}`);
  }
});

test('a near-blank page (a pen dot, a faint smudge) is "unsure" with the reason, in text and --json', async () => {
  const dot = await photo(join(dir, 'dot.jpg'), PAPERS.ruled, `<circle cx="200" cy="150" r="2.5" fill="#1a237e"/>`);
  const faint = await photo(join(dir, 'faint.jpg'), { lines: 'none' }, `<polyline points="170,100 230,100 200,200" fill="none" stroke="#e4e3de" stroke-width="8"/>`);
  const run = await runCli(['predict', '--model', modelFile, dot, faint, '--json']);
  assert.equal(run.code, 0, run.stderr);
  const lines = run.stdout.trim().split('\n');
  assert.match(lines[0], /dot\.jpg: unsure  \(unsure: ink too small \(\d px\); /);
  assert.match(lines[1], /faint\.jpg: unsure  \(unsure: ink too faint \(\d+% contrast\); /);
  const results = lastJson<{ results: Reading[] }>(run.stdout).results;
  assert.deepEqual(results.map((r) => [r.number, r.unsure, r.reason?.replace(/\d+/g, 'N')]), [['?', true, 'ink too small (N px)'], ['?', true, 'ink too faint (N% contrast)']]);
});

test(`digitVerdict: unsure below a top probability of ${UNSURE_BELOW}, sure at it`, () => {
  const flat = digitVerdict([0.5, 0.3, 0.2, 0, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual([flat.digit, flat.unsure, flat.reason], [0, true, 'top probability 50% < 80%']);
  const sure = digitVerdict([0, 0, 0, UNSURE_BELOW, 0, 0, 0, 0, 0, 1 - UNSURE_BELOW]);
  assert.deepEqual([sure.digit, sure.unsure, sure.top.map((t) => t.digit)], [3, false, [3, 9, 0]]);
  assert.equal(digitVerdict([1, 0, 0], { width: 30, height: 7, contrast: 0.9 }).unsure, false);
  assert.equal(digitVerdict([1, 0, 0], { width: 5, height: 7, contrast: 0.9 }).reason, 'ink too small (7 px)');
});
