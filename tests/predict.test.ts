// Recognising digits in image files: MNIST test digits redrawn at other sizes, offsets, colours, noise and JPEG.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { loadMnist } from '../src/data/mnist.js';
import { Network } from '../src/engine/network.js';
import { loadModel } from '../src/model/file-node.js';
import { Random } from '../src/util/random.js';
import { lastJson, MNIST_DIR, runCli } from './helpers.js';
import { drawDigit as drawVariant, VARIANTS as ALL_VARIANTS } from './image-variants.js';
import type { Variant } from './image-variants.js';

const dir = await mkdtemp(join(tmpdir(), 'mnist-predict-'));
const modelFile = join(dir, 'model.json');
const trained = await runCli(['train', '--data', MNIST_DIR, '--train-size', '20000', '--epochs', '4', '--no-progress', '--no-monitor-train', '--save', modelFile, '--simd', 'standard']);
if (trained.code !== 0) throw new Error(trained.stderr);
const model = await loadModel(modelFile);
const network = await Network.create(model.spec, { engine: 'wasm', simd: 'standard', parameters: model.parameters });
const { test: testSet } = await loadMnist(MNIST_DIR);
const random = new Random(99);

function digitPixels(index: number): Uint8Array {
  return testSet.images.subarray(index * 784, (index + 1) * 784);
}

function predictOriginal(index: number): number {
  const out = network.predict(Float64Array.from(digitPixels(index), (v) => v / 255));
  return out.indexOf(Math.max(...out));
}

// The redrawings without notebook paper (tests/image-paper.test.ts has those).
const VARIANTS = Object.fromEntries(Object.entries(ALL_VARIANTS).filter(([, v]) => !v.paper));
const drawDigit = (index: number, variant: Variant): Promise<Buffer> => drawVariant(testSet.images, index, variant, random);
const COUNT = 100;

test(`preprocessing recovers the class the model gives the original 28x28 digit in >= 95% of ${COUNT * Object.keys(VARIANTS).length} redrawn images`, async (t) => {
  const folder = join(dir, 'variants');
  await mkdir(folder);
  const expected = new Map<string, number>();
  for (const [v, [name, variant]] of Object.entries(VARIANTS).entries()) {
    for (let i = 0; i < COUNT; i++) {
      const file = join(folder, `v${v}-${String(i).padStart(3, '0')}.${variant.format === 'jpeg' ? 'jpg' : 'png'}`);
      await writeFile(file, await drawDigit(i, variant));
      expected.set(file, predictOriginal(i));
      void name;
    }
  }
  const run = await runCli(['predict', '--model', modelFile, '--single', '--json', folder]);
  assert.equal(run.code, 0, run.stderr);
  const results = lastJson<{ results: { file: string; guess: string }[] }>(run.stdout).results;
  assert.equal(results.length, expected.size);
  let agree = 0;
  for (const [v, name] of Object.keys(VARIANTS).entries()) {
    const mine = results.filter((r) => r.file.includes(`/v${v}-`));
    const same = mine.filter((r) => Number(r.guess) === expected.get(r.file)).length;
    t.diagnostic(`${name}: ${same}/${mine.length}`);
    agree += same;
  }
  t.diagnostic(`overall ${agree}/${results.length}`);
  assert.ok(agree / results.length >= 0.95, `${agree}/${results.length}`);
});

test('a row of MNIST digits in one image is read as the number, left to right', async () => {
  // The first test digits of 2, 0, 2, 4 that the model reads correctly and confidently (>= 95%) as 28x28 originals.
  const confident = (i: number): boolean => {
    const out = network.predict(Float64Array.from(digitPixels(i), (v) => v / 255));
    return out[testSet.labels[i]] / out.reduce((a, b) => a + b, 0) >= 0.95;
  };
  const pick = (digit: number, skip = 0): number => {
    let seen = 0;
    for (let i = 0; i < testSet.count; i++) if (testSet.labels[i] === digit && confident(i) && seen++ === skip) return i;
    throw new Error(`no ${digit}`);
  };
  const indices = [pick(2), pick(0), pick(2, 1), pick(4)];
  const scale = 4, side = 28 * scale, gap = 30;
  const width = indices.length * side + (indices.length + 1) * gap, height = side + 2 * gap;
  const page = new Uint8Array(width * height).fill(255);
  for (const [n, index] of indices.entries()) {
    const big = await sharp(Buffer.from(digitPixels(index)), { raw: { width: 28, height: 28, channels: 1 } }).resize(side, side).toColourspace('b-w').raw().toBuffer();
    const left = gap + n * (side + gap) + (n % 2 ? 8 : -6), top = gap + (n % 2 ? -10 : 12);
    for (let y = 0; y < side; y++) for (let x = 0; x < side; x++) page[(top + y) * width + left + x] = Math.min(page[(top + y) * width + left + x], 255 - big[y * side + x]);
  }
  const file = join(dir, 'year.jpg');
  await writeFile(file, await sharp(Buffer.from(page), { raw: { width, height, channels: 1 } }).jpeg({ quality: 85 }).toBuffer());
  const debug = join(dir, 'debug');
  const run = await runCli(['predict', '--model', modelFile, file, '--debug-dir', debug]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /year\.jpg: 2024 /);
  for (let i = 1; i <= 4; i++) {
    const meta = await sharp(await readFile(join(debug, `year-${i}.png`))).metadata();
    assert.deepEqual([meta.width, meta.height], [28, 28]);
  }
});

test('unreadable, blank and non-image files each get one line naming the file, and the rest still complete', async () => {
  const folder = join(dir, 'mixed');
  await mkdir(folder);
  await writeFile(join(folder, 'a-good.png'), await drawDigit(0, ALL_VARIANTS['dark ink on white, 3x']));
  await writeFile(join(folder, 'b-blank.png'), await sharp({ create: { width: 60, height: 60, channels: 3, background: '#ffffff' } }).png().toBuffer());
  await writeFile(join(folder, 'c-text.png'), 'this is not a picture\n');
  const good = await readFile(join(folder, 'a-good.png'));
  await writeFile(join(folder, 'd-truncated.png'), good.subarray(0, good.length >> 1));
  const run = await runCli(['predict', '--model', modelFile, folder, join(dir, 'missing.png'), '--json']);
  assert.equal(run.code, 1);
  const errors = run.stderr.trim().split('\n');
  assert.equal(errors.length, 4, run.stderr);
  assert.match(errors[0], /^mnist-wasm: .*b-blank\.png: no ink found: the image is blank$/);
  assert.match(errors[1], /^mnist-wasm: .*c-text\.png: not an image/);
  assert.match(errors[2], /^mnist-wasm: .*d-truncated\.png: unreadable image/);
  assert.match(errors[3], /^mnist-wasm: .*missing\.png: (file not found|not an image)/);
  const results = lastJson<{ results: { file: string; guess?: string; error?: string }[] }>(run.stdout).results;
  assert.equal(results.length, 5);
  assert.equal(results[0].guess, String(predictOriginal(0)));
});
