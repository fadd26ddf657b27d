// The CLI's train and evaluate commands on real MNIST: summary, model file, evaluate, resume, metrics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModel } from '../src/model/file-node.js';
import { lastJson, MNIST_DIR, runCli } from './helpers.js';

const dir = await mkdtemp(join(tmpdir(), 'mnist-cli-'));
const SMALL = ['--data', MNIST_DIR, '--train-size', '1000', '--seed', '7', '--simd', 'standard'];

interface Summary {
  epochs: Record<string, number>[];
  training: { engine: string; simd: string; seed: number };
  final: Record<string, number>;
  bestEpoch: number;
}

test('train --json ends stdout with a summary of every epoch, saves the model and writes JSON Lines metrics', async () => {
  const model = join(dir, 'two.json');
  const metrics = join(dir, 'two.jsonl');
  const run = await runCli(['train', ...SMALL, '--epochs', '2', '--save', model, '--metrics', metrics, '--json']);
  assert.equal(run.code, 0, run.stderr);
  const summary = lastJson<Summary>(run.stdout);
  assert.equal(summary.epochs.length, 2);
  for (const epoch of summary.epochs) {
    for (const key of ['trainCost', 'trainAccuracy', 'validationCost', 'validationAccuracy', 'testCost', 'testAccuracy', 'seconds', 'evalSeconds']) {
      assert.equal(typeof epoch[key], 'number', key);
    }
    for (const key of ['trainAccuracy', 'validationAccuracy', 'testAccuracy']) assert.ok(epoch[key] > 0.2 && epoch[key] <= 1, `${key} is a fraction above chance`);
  }
  assert.ok(summary.final.testAccuracy > summary.epochs[0].testAccuracy, 'the second epoch improves on the first');
  assert.deepEqual(summary.training.engine, 'wasm');
  const lines = (await readFile(metrics, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(lines.map(({ config, ...epoch }) => epoch), summary.epochs);
  assert.equal(lines[0].config.eta, 0.5);
  assert.match(run.stdout, /^\s+2\s+[\d.]+\s+[\d.]+%/m, 'a table line per epoch');
  const saved = await loadModel(model);
  assert.equal(saved.state?.epochsDone, 2);
});

test("evaluate --json reproduces the saved model's test accuracy exactly", async () => {
  const model = join(dir, 'eval.json');
  const trained = lastJson<Summary>((await runCli(['train', ...SMALL, '--epochs', '1', '--save', model, '--json'])).stdout);
  const run = await runCli(['evaluate', '--model', model, '--data', MNIST_DIR, '--json']);
  assert.equal(run.code, 0, run.stderr);
  const evaluated = lastJson<Record<string, number>>(run.stdout);
  assert.equal(evaluated.testAccuracy, trained.final.testAccuracy);
  assert.equal(evaluated.validationAccuracy, trained.final.validationAccuracy);
  assert.equal(evaluated.testCost, trained.final.testCost);
});

test('--resume continues to the same parameters as an uninterrupted run with the same seed', async () => {
  const straight = join(dir, 'straight.json');
  const first = join(dir, 'first.json');
  const resumed = join(dir, 'resumed.json');
  assert.equal((await runCli(['train', ...SMALL, '--epochs', '3', '--batch', '20', '--eta', '0.3', '--save', straight])).code, 0);
  assert.equal((await runCli(['train', ...SMALL, '--epochs', '1', '--batch', '20', '--eta', '0.3', '--save', first])).code, 0);
  // Batch and eta come from the model file when not given again.
  const run = await runCli(['train', '--resume', first, '--data', MNIST_DIR, '--simd', 'standard', '--epochs', '3', '--save', resumed, '--json']);
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(lastJson<Summary>(run.stdout).epochs.map((e) => e.epoch), [1, 2, 3]);
  const [a, b] = await Promise.all([loadModel(straight), loadModel(resumed)]);
  assert.deepEqual(b.parameters, a.parameters);
  assert.ok(a.parameters.some((v, i) => v !== (0 as number) + i * 0), 'parameters are real numbers');
});
