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

test('train: distortion flags reach the settings, the model file records them, and a resume keeps or overrides them', async () => {
  const { resolveTrainConfig, trainingRecord } = await import('../src/cli/train-config.js');
  const { parseModel, serializeModel } = await import('../src/model/file.js');
  const { parameterLayout } = await import('../src/model/spec.js');
  const { spec } = await import('./helpers.js');
  const base = {
    layers: [784, 30, 10], activation: 'sigmoid', outputActivation: 'sigmoid', cost: 'cross-entropy', init: 'scaled', biasInit: 'normal', epochs: 2, batch: 10,
    eta: 0.5, lambda: 0, seed: 1, engine: 'wasm', simd: 'auto', threads: 1, dataset: 'mnist', monitorTrain: true, monitorValidation: true, monitorTest: true, progress: true,
  } as const;
  const given = (flags: object) => (flag: string) => (flag in flags ? 'cli' : 'default');
  const fresh = { ...base, augment: 'both' as const, elasticAlpha: 20, inputDropout: 0.1 };
  const settings = resolveTrainConfig(fresh, given(fresh));
  assert.deepEqual(settings.augment, { mode: 'both', rotate: 15, scale: 0.15, shear: 0.15, shift: 2, elasticAlpha: 20, elasticSigma: 4 });
  assert.equal(settings.regularization.inputDropout, 0.1);
  const training = trainingRecord(settings, 50000, 'relaxed');
  const layers = spec([784, 30, 10]);
  const model = { spec: layers, layout: parameterLayout(layers.layers), parameters: new Float64Array(parameterLayout(layers.layers).size), training, state: { epochsDone: 1, batchesDone: 0, rngState: [1, 2, 3, 4] }, metrics: [] };
  const read = parseModel(serializeModel(model), 'm.json');
  assert.deepEqual(read.training?.augment, settings.augment);
  assert.equal(read.training?.regularization?.inputDropout, 0.1);
  const kept = resolveTrainConfig({ ...base, resume: 'm.json' }, given({ resume: 1 }), { file: 'm.json', model: read });
  assert.deepEqual([kept.augment, kept.regularization.inputDropout], [settings.augment, 0.1]);
  const changed = resolveTrainConfig({ ...base, resume: 'm.json', elasticSigma: 6, inputDropout: 0 }, given({ resume: 1, elasticSigma: 1, inputDropout: 1 }), { file: 'm.json', model: read });
  assert.deepEqual([changed.augment.elasticSigma, changed.augment.elasticAlpha, changed.regularization.inputDropout], [6, 20, 0]);
  const plain = trainingRecord(resolveTrainConfig(base, given({})), 50000, 'relaxed');
  assert.ok(!('augment' in plain) && plain.regularization?.inputDropout === 0, 'a plain run records no distortions and no input dropout');
  const bad = serializeModel(model).replace('"elasticSigma":4', '"elasticSigma":40');
  assert.throws(() => parseModel(bad, 'bad.json'), { message: 'bad.json: invalid training settings: "augment": elastic sigma must be from 0.5 to 10 pixels (got 40)' });
});
