// A structure-aware fuzz of model files: valid JSON with hostile values (huge or negative counts, wrong layout,
// non-finite numbers, prototype keys, wrong shapes), first through the checks every model-reading command makes,
// in process and by the thousand, then as files through the CLI's train --resume, evaluate, report and predict.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import sharp from 'sharp';
import { checkNetworkFitsData, checkStateFitsData } from '../src/cli/model-fit.js';
import { resolveTrainConfig } from '../src/cli/train-config.js';
import type { TrainFlags } from '../src/cli/train-config.js';
import { MnistWasmError } from '../src/errors.js';
import { parseModel, serializeModel } from '../src/model/file.js';
import { initParameters } from '../src/model/init.js';
import { Random } from '../src/util/random.js';
import { parameterLayout } from '../src/model/spec.js';
import { idxBytes, runCli, spec, syntheticData } from './helpers.js';
import type { CliResult } from './helpers.js';

const dir = await mkdtemp(join(tmpdir(), 'mnist-model-fuzz-'));
const random = new Random(14);

/** A version 2 model of a momentum run with a schedule and dropout, interrupted with its moments and generators. */
function validModel(layers: number[]): Record<string, unknown> {
  const networkSpec = spec(layers);
  const layout = parameterLayout(layers);
  return JSON.parse(serializeModel({
    spec: networkSpec, layout, parameters: initParameters(layout, { seed: 2 }),
    training: {
      epochs: 2, batchSize: 10, eta: 0.5, lambda: 0, seed: 2, init: { weights: 'scaled', biases: 'normal' }, dataset: 'mnist', trainSize: 200, engine: 'wasm', simd: 'standard',
      keepBest: true, optimizer: { name: 'momentum', momentum: 0.9, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 },
      schedule: { name: 'step', stepSize: 1, gamma: 0.5, etaMin: 0, warmup: 1 }, regularization: { dropout: 0.5, inputDropout: 0, maxNorm: 3 },
      recipe: { name: 'simard-plain', flags: ['--optimizer', 'momentum', '--eta', '0.5'] },
    },
    state: {
      epochsDone: 1, batchesDone: 3, rngState: [1, 2, 3, 4],
      optimizer: { step: 23, moments: [initParameters(layout, { seed: 3 })] }, generators: { dropout: [1, 2, 3, 4], inputDropout: [5, 6, 7, 8], augment: [9, 1, 2, 3] },
    },
    metrics: [{ epoch: 1, seconds: 0.1, evalSeconds: 0.1, testAccuracy: 0.5 }],
  })) as Record<string, unknown>;
}

const HOSTILE: unknown[] = [
  -1, 0, 1e999, -1e999, 2 ** 53, 1e15, 0.5, '__proto__', 'constructor', 'toString', '', '12', null, true, [], [1e9], {}, { __proto__: 1 }, [[]],
];
/** Where a hostile value goes: every field the readers look at, and a few they do not. */
const PATHS = [
  'format', 'version', 'spec', 'spec.layers', 'spec.layers.0', 'spec.layers.1', 'spec.layers.2', 'spec.activation', 'spec.cost',
  'layout', 'layout.size', 'layout.layers', 'layout.layers.0.weights', 'layout.layers.1.inputs',
  'training', 'training.epochs', 'training.batchSize', 'training.eta', 'training.lambda', 'training.seed', 'training.trainSize',
  'training.engine', 'training.simd', 'training.dataset', 'training.init', 'training.init.weights', 'training.threads', 'training.monitor',
  'training.keepBest', 'training.optimizer', 'training.optimizer.name', 'training.optimizer.momentum', 'training.optimizer.epsilon',
  'training.schedule', 'training.schedule.name', 'training.schedule.gamma', 'training.schedule.warmup', 'training.regularization', 'training.regularization.dropout',
  'training.recipe', 'training.recipe.name', 'training.recipe.flags', 'training.recipe.flags.1',
  'state', 'state.epochsDone', 'state.batchesDone', 'state.rngState', 'state.rngState.0',
  'state.optimizer', 'state.optimizer.step', 'state.optimizer.moments', 'state.optimizer.moments.0', 'state.optimizer.moments.0.count',
  'state.optimizer.moments.0.crc32', 'state.optimizer.moments.0.data', 'state.generators', 'state.generators.dropout', 'state.generators.augment.3',
  'metrics', 'metrics.0', 'metrics.0.epoch', 'metrics.0.testAccuracy', 'parameters', 'parameters.count', 'parameters.crc32', 'parameters.encoding', 'unknown',
];

function set(doc: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let at: Record<string, unknown> = doc;
  for (const key of keys.slice(0, -1)) {
    const next = at[key];
    if (typeof next !== 'object' || next === null) return;
    at = next as Record<string, unknown>;
  }
  at[keys[keys.length - 1]] = value;
}

/** One to three hostile values at random places; JSON text, with "__proto__" written as a real key when chosen. */
function hostileText(base: Record<string, unknown>): string {
  const doc = structuredClone(base);
  const steps = 1 + random.below(3);
  let text: string | undefined;
  for (let s = 0; s < steps; s++) set(doc, PATHS[random.below(PATHS.length)], HOSTILE[random.below(HOSTILE.length)]);
  text = JSON.stringify(doc).replace(/1e\+?999/g, '1e999');
  if (random.below(4) === 0) text = text.replace(/"(training|state|spec)":\{/, '"$1":{"__proto__":{"engine":"ts","layers":[1]},');
  return text;
}

const BASE = validModel([784, 2, 10]);
// Image-sized data: 10,210 official training images (10,000 become validation) and 50 test images.
const OFFICIAL = 10_210;
const data = syntheticData(OFFICIAL + 50, 784, 10);
const dataDir = join(dir, 'data');
await mkdir(dataDir);
const files = {
  'train-images-idx3-ubyte.gz': idxBytes([OFFICIAL, 28, 28], data.images.subarray(0, OFFICIAL * 784)),
  'train-labels-idx1-ubyte.gz': idxBytes([OFFICIAL], data.labels.subarray(0, OFFICIAL)),
  't10k-images-idx3-ubyte.gz': idxBytes([50, 28, 28], data.images.subarray(OFFICIAL * 784)),
  't10k-labels-idx1-ubyte.gz': idxBytes([50], data.labels.subarray(OFFICIAL)),
};
for (const [name, bytes] of Object.entries(files)) await writeFile(join(dataDir, name), gzipSync(bytes));
const split = {
  train: { images: data.images.subarray(0, 200 * 784), labels: data.labels.subarray(0, 200), count: 200, inputSize: 784 },
  test: { images: data.images.subarray(OFFICIAL * 784), labels: data.labels.subarray(OFFICIAL), count: 50, inputSize: 784 },
};
const FLAGS: TrainFlags = {
  layers: [784, 192, 30, 10], activation: 'sigmoid', outputActivation: 'sigmoid', cost: 'cross-entropy', init: 'scaled', biasInit: 'normal',
  epochs: 20, batch: 10, eta: 0.5, lambda: 0, seed: 1, engine: 'wasm', simd: 'auto', threads: 1, dataset: 'mnist',
  monitorTrain: true, monitorValidation: true, monitorTest: true, progress: false, resume: 'fuzz.json',
  optimizer: 'sgd', momentum: 0.9, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, schedule: 'constant', stepSize: 10, etaMin: 0, warmup: 0,
  dropout: 0, maxNorm: 0,
};

test('1,500 hostile model files: each passes every check a command makes, or is refused with a typed one-line error', (t) => {
  let loaded = 0;
  let refused = 0;
  for (let i = 0; i < 1500; i++) {
    const text = hostileText(BASE);
    try {
      const model = parseModel(text, 'fuzz.json');
      checkNetworkFitsData(model.spec, split, dataDir, { modelFile: 'fuzz.json' });
      const settings = resolveTrainConfig(FLAGS, (flag) => (flag === 'resume' ? 'cli' : 'default'), { file: 'fuzz.json', model });
      if (settings.resume) checkStateFitsData(settings.resume, split.train.count, settings.batchSize, 'fuzz.json');
      assert.equal(model.parameters.length, model.layout.size);
      loaded++;
    } catch (error) {
      if (!(error instanceof MnistWasmError)) assert.fail(`${String(error)} for ${text.slice(0, 300)}`);
      assert.match(error.message, /^fuzz\.json: [^\n]+$/, 'names the file, one line');
      assert.ok(error.message.length < 400, `short: ${error.message}`);
      refused++;
    }
  }
  t.diagnostic(`${loaded} loaded, ${refused} refused`);
  assert.ok(refused > 750 && loaded > 20, 'the mutations reach the checks and leave some files valid');
});

function oneLine(run: CliResult, file: string, pattern = /./): void {
  assert.equal(run.code, 1, `${file}: ${run.stderr}${run.stdout}`);
  assert.match(run.stderr, /^mnist-wasm: [^\n]+\n$/, `one line: ${run.stderr}`);
  assert.ok(run.stderr.includes(file), `names ${file}: ${run.stderr}`);
  assert.match(run.stderr, pattern);
}

/** Runs the CLI for each argument list, two at a time (the machine has two cores). */
async function runAll(jobs: string[][]): Promise<CliResult[]> {
  const results: CliResult[] = [];
  for (let i = 0; i < jobs.length; i += 2) results.push(...(await Promise.all(jobs.slice(i, i + 2).map((args) => runCli(args)))));
  return results;
}

const image = join(dir, 'digit.png');
await sharp(Buffer.from(data.images.subarray(0, 784)), { raw: { width: 28, height: 28, channels: 1 } }).png().toFile(image);
const commands = (model: string): string[][] => [
  ['train', '--resume', model, '--data', dataDir, '--save', join(dir, 'out.json'), '--no-progress'],
  ['evaluate', '--model', model, '--data', dataDir],
  ['report', '--model', model, '--out', join(dir, 'report'), '--data', dataDir],
  ['predict', '--model', model, image],
];

test('hostile model files through train --resume, evaluate, report and predict: one line naming the file each', async () => {
  const cases: [string, (d: Record<string, unknown>) => void][] = [
    ['proto-simd', (d) => set(d, 'training.simd', '__proto__')],
    ['engine-constructor', (d) => set(d, 'training.engine', 'constructor')],
    ['huge-count', (d) => set(d, 'parameters.count', 1e15)],
    ['negative-layer', (d) => set(d, 'spec.layers', [784, -16, 10])],
    ['huge-layers', (d) => set(d, 'spec.layers', [784, 65536, 65536, 10])],
    ['infinite-eta', (d) => set(d, 'training.eta', 1e999)],
    ['wrong-layout', (d) => set(d, 'layout.layers.0.weights', 5)],
    ['state-shape', (d) => set(d, 'state', [1, 2, 3])],
    ['metrics-shape', (d) => set(d, 'metrics', { 0: { epoch: 1 } })],
    ['moment-count', (d) => set(d, 'state.optimizer.moments.0.count', 1e15)],
    ['moments-list', (d) => set(d, 'state.optimizer.moments', [[], []])],
    ['optimizer-name', (d) => set(d, 'training.optimizer.name', '__proto__')],
    ['zero-generator', (d) => set(d, 'state.generators.dropout', [0, 0, 0, 0])],
  ];
  const paths = await Promise.all(cases.map(async ([name, patch]) => {
    const doc = structuredClone(BASE);
    patch(doc);
    const path = join(dir, `${name}.json`);
    await writeFile(path, JSON.stringify(doc).replace(/1e\+?999/g, '1e999'));
    return path;
  }));
  const jobs = paths.flatMap(commands);
  const results = await runAll(jobs);
  // The model file is the third word of every command line above.
  results.forEach((run, i) => oneLine(run, jobs[i][2]));
});

test('a model that does not fit the data is refused by train --resume, evaluate and report, naming the file and both numbers', async () => {
  const narrow = join(dir, 'narrow.json');
  const twoClasses = join(dir, 'two-classes.json');
  const deepState = join(dir, 'deep-state.json');
  await writeFile(narrow, JSON.stringify(validModel([392, 16, 10])));
  await writeFile(twoClasses, JSON.stringify(validModel([784, 16, 2])));
  const far = validModel([784, 2, 10]);
  set(far, 'state.batchesDone', 999_999);
  await writeFile(deepState, JSON.stringify(far));
  const jobs = [narrow, twoClasses].flatMap((m) => commands(m).slice(0, 3));
  const results = await runAll([...jobs, commands(deepState)[0]]);
  results.forEach((run, i) => {
    const model = i < jobs.length ? jobs[i][2] : deepState;
    const pattern = model === narrow
      ? /the network takes 392 inputs but the images in \S+ have 784 pixels$/m
      : model === twoClasses
        ? /the network has 2 output classes but the labels in \S+ go up to 9 \(10 classes\)$/m
        : /the training state has 999999 mini-batches of epoch 2 done, but an epoch of 200 examples in batches of 10 has 20$/m;
    oneLine(run, model, pattern);
  });
});
