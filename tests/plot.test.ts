// Learning curves from a real short training run: SVG structure, PNG size, and the L2 comparison figure.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { MNIST_DIR, runCli } from './helpers.js';

const dir = await mkdtemp(join(tmpdir(), 'mnist-plot-'));
const EPOCHS = 3;
const base = ['train', '--data', MNIST_DIR, '--train-size', '2000', '--epochs', String(EPOCHS), '--no-progress', '--simd', 'standard'];
const save = (name: string): string[] => ['--save', join(dir, name)];
const svgFile = join(dir, 'curves.svg');
const pngFile = join(dir, 'curves.png');
const plain = join(dir, 'plain.jsonl');
const l2 = join(dir, 'l2.jsonl');
const runs = Promise.all([
  runCli([...base, '--plot', svgFile, '--metrics', plain, ...save('plain.json')]),
  runCli([...base, '--plot', pngFile, '--lambda', '5', '--metrics', l2, ...save('l2.json')]),
]);

/** (panel, series) -> epochs, read from the accessible labels Vega puts on every point. */
function pointsBySeries(svg: string): Map<string, Set<number>> {
  const points = new Map<string, Set<number>>();
  for (const [, epoch, panel, series] of svg.matchAll(/aria-label="Epoch: (\d+); (Cost|Accuracy): [-\d.e]+%?; series: ([^"]+)"/g)) {
    const key = `${panel} / ${series}`;
    if (!points.has(key)) points.set(key, new Set());
    points.get(key)?.add(Number(epoch));
  }
  return points;
}

test('train --plot draws two panels with training and test cost and accuracy, one point per epoch', async () => {
  const [run] = await runs;
  assert.equal(run.code, 0, run.stderr);
  const svg = await readFile(svgFile, 'utf8');
  assert.match(svg, /^<svg /);
  assert.equal((svg.match(/class="mark-group role-title"/g) ?? []).length, 2, 'two panel titles');
  const titles = [...svg.matchAll(/class="mark-group role-title"[\s\S]*?<text[^>]*>([^<]+)<\/text>/g)].map((m) => m[1]);
  assert.deepEqual(titles, ['Cost', 'Accuracy'], 'panels titled "Cost" and "Accuracy"');
  for (const title of ['Epoch', 'Cost', 'Accuracy']) assert.match(svg, new RegExp(`aria-label="[XY]-axis titled '${title}'`));
  const points = pointsBySeries(svg);
  assert.deepEqual([...points.keys()].sort(), ['Accuracy / test', 'Accuracy / training', 'Cost / test', 'Cost / training']);
  for (const [series, epochs] of points) assert.deepEqual([...epochs].sort(), [1, 2, 3], series);
  assert.equal((svg.match(/class="mark-line role-mark/g) ?? []).length, 4, 'four lines');
});

test('a .png name gives a PNG that decodes at twice the SVG size', async () => {
  const [, run] = await runs;
  assert.equal(run.code, 0, run.stderr);
  const svg = await readFile(svgFile, 'utf8');
  const [, width, height] = svg.match(/width="(\d+)" height="(\d+)"/) ?? [];
  const meta = await sharp(await readFile(pngFile)).metadata();
  assert.equal(meta.format, 'png');
  assert.equal(meta.width, Number(width) * 2);
  assert.equal(meta.height, Number(height) * 2);
  const stats = await sharp(await readFile(pngFile)).stats();
  assert.ok(stats.channels[0].min < 100, 'something dark is drawn');
});

test('compare overlays runs on the same axes, labelled by what differs in their configuration', async () => {
  await runs;
  const out = join(dir, 'compare.svg');
  const run = await runCli(['compare', plain, l2, '--plot', out]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^lambda 0: 3 epochs, final test accuracy [\d.]+%$/m);
  assert.match(run.stdout, /^lambda 5: 3 epochs, final test accuracy [\d.]+%$/m);
  const points = pointsBySeries(await readFile(out, 'utf8'));
  assert.deepEqual([...points.keys()].sort(), [
    'Accuracy / lambda 0: test', 'Accuracy / lambda 0: training', 'Accuracy / lambda 5: test', 'Accuracy / lambda 5: training',
    'Cost / lambda 0: test', 'Cost / lambda 0: training', 'Cost / lambda 5: test', 'Cost / lambda 5: training',
  ]);
});

test('compare names a metrics file that is missing or malformed', async () => {
  const run = await runCli(['compare', join(dir, 'nope.jsonl'), '--plot', join(dir, 'x.svg')]);
  assert.equal(run.code, 1);
  assert.match(run.stderr, /^mnist-wasm: .*nope\.jsonl: metrics file not found\n$/);
});

test('compare without --plot prints the summary and writes nothing', async () => {
  await runs;
  const run = await runCli(['compare', plain, l2]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^lambda 0: 3 epochs, final test accuracy [\d.]+%\nlambda 5: 3 epochs, final test accuracy [\d.]+%\n$/);
});

test('a chart name that is neither .svg nor .png is refused before any work, by train and compare', async () => {
  for (const args of [[...base, '--plot', join(dir, 'x.pdf')], ['compare', plain, '--plot', join(dir, 'x.pdf')]]) {
    const run = await runCli(args);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^mnist-wasm: .*x\.pdf: charts are written as \.svg or \.png, not "\.pdf"\n$/);
    assert.equal(run.stdout, '', 'nothing trained or printed');
  }
});
