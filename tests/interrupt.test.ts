// Interruption and divergence: checkpoints survive SIGKILL, SIGINT saves and resumes exactly, NaN stops training.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadModel } from '../src/model/file-node.js';
import { MNIST_DIR, runCli } from './helpers.js';

const dir = await mkdtemp(join(tmpdir(), 'mnist-interrupt-'));
const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
// Pure training epochs (no evaluation), long enough to be interrupted in the middle.
const RUN = ['--data', MNIST_DIR, '--train-size', '20000', '--epochs', '3', '--seed', '11', '--simd', 'standard', '--no-monitor-train', '--no-monitor-validation', '--no-monitor-test', '--no-progress'];

const straight = join(dir, 'straight.json');
const straightRun = runCli(['train', ...RUN, '--save', straight]);

/** Starts train with a checkpoint, waits until the first epoch is saved and a little more, then signals it. */
async function interruptAfterFirstEpoch(checkpoint: string, signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  const child = spawn(process.execPath, [CLI, 'train', ...RUN, '--checkpoint', checkpoint]);
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, sig) => resolve({ code, signal: sig })));
  const started = Date.now();
  while (!existsSync(checkpoint)) {
    if (Date.now() - started > 120_000) throw new Error('no checkpoint after 120 s');
    await new Promise((r) => setTimeout(r, 20));
  }
  await new Promise((r) => setTimeout(r, 250));
  child.kill(signal);
  return { ...(await done), stderr };
}

/** Resumes from the checkpoint to the end and checks the parameters equal the uninterrupted run's, bit for bit. */
async function assertResumeMatchesStraight(checkpoint: string, name: string): Promise<void> {
  const resumed = join(dir, name);
  const run = await runCli(['train', '--resume', checkpoint, ...RUN, '--save', resumed]);
  assert.equal(run.code, 0, run.stderr);
  assert.equal((await straightRun).code, 0);
  assert.deepEqual((await loadModel(resumed)).parameters, (await loadModel(straight)).parameters);
}

test('SIGKILL mid-epoch: the previous checkpoint still loads, and --resume ends with the uninterrupted parameters', async () => {
  const checkpoint = join(dir, 'killed.json');
  const killed = await interruptAfterFirstEpoch(checkpoint, 'SIGKILL');
  assert.equal(killed.signal, 'SIGKILL');
  const saved = await loadModel(checkpoint);
  assert.ok(saved.state && saved.state.epochsDone >= 1 && saved.state.epochsDone < 3, `checkpoint after ${saved.state?.epochsDone} epochs`);
  await assertResumeMatchesStraight(checkpoint, 'resumed-after-kill.json');
});

test('SIGINT finishes the mini-batch, saves, prints how to resume, exits 130; resuming mid-epoch gives the same result', async () => {
  const checkpoint = join(dir, 'interrupted.json');
  const interrupted = await interruptAfterFirstEpoch(checkpoint, 'SIGINT');
  assert.equal(interrupted.code, 130, interrupted.stderr);
  assert.match(interrupted.stderr, /SIGINT: finishing the current mini-batch and saving/);
  assert.match(interrupted.stderr, /interrupted in epoch \d after \d+ mini-batches; saved to .*interrupted\.json\. Resume with: mnist-wasm train --resume .*interrupted\.json/);
  const saved = await loadModel(checkpoint);
  assert.ok(saved.state && saved.state.batchesDone > 0, 'stopped inside an epoch');
  await assertResumeMatchesStraight(checkpoint, 'resumed-after-int.json');
});

test('a learning rate far too high (1e12) on a ReLU net is caught as divergence; the last good checkpoint is kept', async () => {
  const checkpoint = join(dir, 'relu.json');
  const base = ['--data', MNIST_DIR, '--train-size', '2000', '--activation', 'relu', '--seed', '3', '--no-progress', '--checkpoint', checkpoint];
  assert.equal((await runCli(['train', ...base, '--epochs', '1', '--eta', '0.05'])).code, 0);
  const good = await readFile(checkpoint, 'utf8');
  const run = await runCli(['train', ...base, '--resume', checkpoint, '--epochs', '3', '--eta', '1e12']);
  assert.equal(run.code, 1);
  const lines = run.stderr.trim().split('\n');
  assert.equal(lines.length, 1, run.stderr);
  assert.match(lines[0], /^mnist-wasm: training diverged in epoch 2 (between mini-batches \d+ and \d+: parameters became NaN or Infinity|: the \w+ cost is (NaN|Infinity)); the learning rate \(eta 1000000000000\) is probably too high; the last good checkpoint \(1 epochs\) is kept in .*relu\.json$/);
  assert.equal(await readFile(checkpoint, 'utf8'), good, 'the checkpoint is untouched');
});
