// Interruption and divergence: checkpoints survive SIGKILL; SIGINT saves resumable state without touching --save,
// prints a resume command that works as printed, and resumes exactly; NaN stops training.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadModel } from '../src/model/file-node.js';
import { MNIST_DIR, runCli } from './helpers.js';

const dir = await mkdtemp(join(tmpdir(), 'mnist-interrupt-'));
const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
// Pure training epochs (no evaluation) of all 50,000 images: long enough (about 0.7 s each here) for a signal 250 ms after
// the first checkpoint to land inside the second epoch.
const RUN = ['--data', MNIST_DIR, '--train-size', '50000', '--epochs', '3', '--seed', '11', '--simd', 'standard', '--no-monitor-train', '--no-monitor-validation', '--no-monitor-test', '--no-progress'];

const straight = join(dir, 'straight.json');
const straightRun = runCli(['train', ...RUN, '--save', straight]);

interface Interrupted { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

/** Starts `train RUN extra`, waits until `ready()` (or the first epoch's table row) and a little more, then signals it. */
async function interruptAfterFirstEpoch(extra: string[], signal: NodeJS.Signals, ready?: () => boolean): Promise<Interrupted> {
  const child = spawn(process.execPath, [CLI, 'train', ...RUN, ...extra], { cwd: dir });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d));
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, sig) => resolve({ code, signal: sig })));
  const started = Date.now();
  while (!(ready ? ready() : /^\s+1\s/m.test(stdout))) {
    if (Date.now() - started > 120_000) throw new Error(`the first epoch did not finish in 120 s: ${stderr}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  await new Promise((r) => setTimeout(r, 250));
  child.kill(signal);
  return { ...(await done), stdout, stderr };
}

async function assertSameParameters(file: string): Promise<void> {
  assert.equal((await straightRun).code, 0);
  assert.deepEqual((await loadModel(file)).parameters, (await loadModel(straight)).parameters);
}

/** The printed resume command, run as printed (npx mnist-wasm = the built CLI). */
async function runPrintedResume(stderr: string): Promise<ReturnType<typeof runCli>> {
  const command = /Resume with: npx mnist-wasm (.*)$/m.exec(stderr)?.[1];
  assert.ok(command, `a resume command in: ${stderr}`);
  assert.doesNotMatch(command, /'/, 'the test paths need no quoting');
  return runCli(command.split(' '), { cwd: dir });
}

test('SIGKILL mid-epoch: the previous checkpoint still loads, and --resume ends with the uninterrupted parameters', async () => {
  const checkpoint = join(dir, 'killed.json');
  const killed = await interruptAfterFirstEpoch(['--checkpoint', checkpoint, '--save', join(dir, 'killed-final.json')], 'SIGKILL', () => existsSync(checkpoint));
  assert.equal(killed.signal, 'SIGKILL');
  const saved = await loadModel(checkpoint);
  assert.ok(saved.state && saved.state.epochsDone >= 1 && saved.state.epochsDone < 3, `checkpoint after ${saved.state?.epochsDone} epochs`);
  const resumed = join(dir, 'resumed-after-kill.json');
  assert.equal((await runCli(['train', '--resume', checkpoint, '--data', MNIST_DIR, '--save', resumed])).code, 0);
  await assertSameParameters(resumed);
});

test('SIGINT with --checkpoint: saves there, leaves an existing --save byte-identical, exits 130; the printed command resumes exactly', async () => {
  const checkpoint = join(dir, 'interrupted.json');
  const target = join(dir, 'precious.json');
  await writeFile(target, 'a model the user keeps\n');
  const interrupted = await interruptAfterFirstEpoch(['--checkpoint', checkpoint, '--save', target], 'SIGINT', () => existsSync(checkpoint));
  assert.equal(interrupted.code, 130, interrupted.stderr);
  assert.match(interrupted.stderr, /SIGINT: finishing the current mini-batch and saving/);
  assert.match(interrupted.stderr, /interrupted in epoch \d after \d+ mini-batches; saved to .*interrupted\.json\. Resume with: npx mnist-wasm train --resume \S*interrupted\.json --data \S+ --save \S*precious\.json --checkpoint \S*interrupted\.json$/m);
  assert.equal(await readFile(target, 'utf8'), 'a model the user keeps\n', '--save is untouched');
  assert.ok((await loadModel(checkpoint)).state?.batchesDone, 'stopped inside an epoch');
  const resumed = await runPrintedResume(interrupted.stderr);
  assert.equal(resumed.code, 0, resumed.stderr);
  await assertSameParameters(target);
});

test('SIGTERM without --checkpoint: the state goes to <save>.interrupted.json, --save stays byte-identical', async () => {
  const target = join(dir, 'kept.json');
  await writeFile(target, 'an older model\n');
  const interrupted = await interruptAfterFirstEpoch(['--save', target], 'SIGTERM');
  assert.equal(interrupted.code, 130, interrupted.stderr);
  assert.match(interrupted.stderr, /saved to \S*kept\.json\.interrupted\.json\. Resume with: npx mnist-wasm train --resume \S*kept\.json\.interrupted\.json --data \S+ --save \S*kept\.json$/m);
  assert.equal(await readFile(target, 'utf8'), 'an older model\n');
  assert.ok((await loadModel(`${target}.interrupted.json`)).state?.batchesDone, 'stopped inside an epoch');
});

test('--resume with nothing but --resume and --data repeats every setting and ends bit-identical (saved under models/)', async () => {
  const checkpoint = join(dir, 'bare.json');
  await interruptAfterFirstEpoch(['--checkpoint', checkpoint, '--save', join(dir, 'bare-final.json')], 'SIGINT', () => existsSync(checkpoint));
  const run = await runCli(['train', '--resume', checkpoint, '--data', MNIST_DIR, '--json'], { cwd: dir });
  assert.equal(run.code, 0, run.stderr);
  const saved = /model saved to (models\/\S+\.json)$/m.exec(run.stderr)?.[1];
  assert.ok(saved, run.stderr);
  assert.match(run.stdout, /wasm \(standard SIMD[,)]/, 'the SIMD build comes from the file');
  assert.doesNotMatch(run.stdout, /%/, 'no set is evaluated, as in the interrupted run');
  await assertSameParameters(join(dir, saved));
});

test('a learning rate far too high (1e12) on a ReLU net is caught as divergence; the last good checkpoint is kept', async () => {
  const checkpoint = join(dir, 'relu.json');
  const base = ['--data', MNIST_DIR, '--train-size', '2000', '--activation', 'relu', '--seed', '3', '--no-progress', '--checkpoint', checkpoint, '--save', join(dir, 'relu-final.json')];
  assert.equal((await runCli(['train', ...base, '--epochs', '1', '--eta', '0.05'])).code, 0);
  const good = await readFile(checkpoint, 'utf8');
  const run = await runCli(['train', ...base, '--resume', checkpoint, '--epochs', '3', '--eta', '1e12']);
  assert.equal(run.code, 1);
  const lines = run.stderr.trim().split('\n');
  assert.equal(lines.length, 1, run.stderr);
  assert.match(lines[0], /^mnist-wasm: training diverged in epoch 2 (between mini-batches \d+ and \d+: parameters became NaN or Infinity|: the \w+ cost is (NaN|Infinity)); the learning rate \(eta 1000000000000\) is probably too high; the last good checkpoint \(1 epochs\) is kept in .*relu\.json$/);
  assert.equal(await readFile(checkpoint, 'utf8'), good, 'the checkpoint is untouched');
});
