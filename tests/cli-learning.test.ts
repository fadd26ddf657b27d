// train with the optimizers, schedules and regularisers on real MNIST: each run stopped after epoch 1 (a checkpoint)
// or in the middle of an epoch (SIGINT) and resumed ends with the parameters, moments and generator states of an
// uninterrupted run, bit for bit; the eta of every epoch is in --json and --metrics; best weights are restored.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadModel } from '../src/model/file-node.js';
import type { SavedModel } from '../src/model/file.js';
import { etaForEpoch, validateSchedule } from '../src/model/learning.js';
import { lastJson, MNIST_DIR, runCli } from './helpers.js';

const dir = await mkdtemp(join(tmpdir(), 'mnist-learning-'));
const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
// Training only (no evaluation), so each epoch of 2,000 images takes well under a second.
const QUIET = ['--no-monitor-train', '--no-monitor-validation', '--no-monitor-test', '--no-progress'];
const SMALL = ['--data', MNIST_DIR, '--train-size', '2000', '--seed', '5', '--simd', 'standard', ...QUIET];

const RECIPES: Record<string, string[]> = {
  momentum: ['--optimizer', 'momentum', '--momentum', '0.8', '--eta', '0.2'],
  'adam with a step schedule': ['--optimizer', 'adam', '--eta', '0.002', '--beta2', '0.99', '--schedule', 'step', '--step-size', '1', '--gamma', '0.5'],
  'nesterov with dropout, input dropout, max-norm and cosine': ['--optimizer', 'nesterov', '--eta', '0.1', '--dropout', '0.3', '--input-dropout', '0.2', '--max-norm', '2', '--schedule', 'cosine', '--eta-min', '0.01'],
  // Issue 18: distortions drawn from the augment stream resume exactly too.
  'elastic distortions': ['--augment', 'elastic', '--eta', '0.5'],
  'affine and elastic distortions with momentum': ['--augment', 'both', '--optimizer', 'momentum', '--eta', '0.05'],
};

/** Everything a resumed run must reproduce: the parameters, the optimizer's step and moments, the generators and the shuffle. */
function assertSameRun(resumed: SavedModel, straight: SavedModel, what: string, sgd = false): void {
  assert.deepEqual(resumed.parameters, straight.parameters, `${what}: parameters`);
  assert.ok(sgd || (straight.state?.optimizer && straight.state.optimizer.step > 0), `${what}: the run kept an optimizer state`);
  assert.deepEqual(resumed.state?.optimizer, straight.state.optimizer, `${what}: optimizer step and moments`);
  assert.deepEqual(resumed.state?.generators, straight.state?.generators, `${what}: generator states`);
  assert.deepEqual(resumed.state?.rngState, straight.state?.rngState, `${what}: shuffle state`);
}

for (const [name, flags] of Object.entries(RECIPES)) {
  test(`${name}: a checkpoint after epoch 1, resumed to epoch 3, ends bit-identical to 3 epochs straight`, async () => {
    const slug = name.split(' ')[0];
    const straight = join(dir, `${slug}-straight.json`);
    const checkpoint = join(dir, `${slug}-checkpoint.json`);
    const resumed = join(dir, `${slug}-resumed.json`);
    const [full, first] = await Promise.all([
      runCli(['train', ...SMALL, ...flags, '--epochs', '3', '--save', straight, '--json']),
      runCli(['train', ...SMALL, ...flags, '--epochs', '1', '--checkpoint', checkpoint, '--save', join(dir, `${slug}-one.json`)]),
    ]);
    assert.equal(full.code, 0, full.stderr);
    assert.equal(first.code, 0, first.stderr);
    assert.equal((await loadModel(checkpoint)).state?.epochsDone, 1);
    // The resume command as train prints it, with the total epochs.
    const run = await runCli(['train', '--resume', checkpoint, '--data', MNIST_DIR, '--save', resumed, '--epochs', '3', '--json']);
    assert.equal(run.code, 0, run.stderr);
    const [a, b] = await Promise.all([loadModel(resumed), loadModel(straight)]);
    assertSameRun(a, b, name, !flags.includes('--optimizer'));
    // Every setting came from the checkpoint, and the etas are the schedule's.
    const saved = b.training;
    assert.deepEqual(a.training?.augment, saved?.augment);
    assert.equal(saved?.augment?.mode, flags.includes('--augment') ? flags[flags.indexOf('--augment') + 1] : undefined);
    assert.deepEqual(a.training?.optimizer, saved?.optimizer);
    assert.deepEqual(a.training?.schedule, saved?.schedule);
    assert.deepEqual(a.training?.regularization, saved?.regularization);
    const etas = lastJson<{ epochs: { eta: number }[] }>(full.stdout).epochs.map((e) => e.eta);
    const schedule = validateSchedule(saved?.schedule);
    assert.deepEqual(etas, [1, 2, 3].map((e) => etaForEpoch(saved?.eta as number, schedule, e, 3)));
    assert.deepEqual(lastJson<{ epochs: { eta: number }[] }>(run.stdout).epochs.map((e) => e.eta), etas, 'the resumed run reports the same etas');
  });
}

test('nesterov with dropout, input dropout, max-norm and cosine: SIGINT mid-epoch, the printed command resumes it bit-identically', async () => {
  // Long enough epochs (all 50,000 images) for a signal 250 ms after the first checkpoint to land inside the second.
  const run = ['--data', MNIST_DIR, '--train-size', '50000', '--seed', '5', '--simd', 'standard', ...QUIET, ...RECIPES['nesterov with dropout, input dropout, max-norm and cosine'], '--epochs', '3'];
  const straight = join(dir, 'sigint-straight.json');
  const straightRun = runCli(['train', ...run, '--save', straight]);
  const checkpoint = join(dir, 'sigint.json');
  const target = join(dir, 'sigint-final.json');
  const child = spawn(process.execPath, [CLI, 'train', ...run, '--checkpoint', checkpoint, '--save', target], { cwd: dir });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  const started = Date.now();
  while (!existsSync(checkpoint)) {
    if (Date.now() - started > 120_000) throw new Error(`no checkpoint after 120 s: ${stderr}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  await new Promise((r) => setTimeout(r, 250));
  child.kill('SIGINT');
  assert.equal(await exited, 130, stderr);
  const interrupted = await loadModel(checkpoint);
  assert.ok(interrupted.state && interrupted.state.batchesDone > 0, `stopped inside an epoch (${interrupted.state?.batchesDone} mini-batches)`);
  assert.ok(interrupted.state.optimizer, 'with the moments');
  const command = /Resume with: npx mnist-wasm (.*)$/m.exec(stderr)?.[1];
  assert.ok(command, stderr);
  const resumed = await runCli(command.split(' '), { cwd: dir });
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.equal((await straightRun).code, 0);
  assertSameRun(await loadModel(target), await loadModel(straight), 'resumed mid-epoch');
});

test('--early-stop ends with the best epoch\'s parameters and says so; --keep-best saves the best epoch without it', async () => {
  // A learning rate high enough that validation accuracy falls after its best epoch.
  const base = ['--data', MNIST_DIR, '--train-size', '1000', '--seed', '2', '--simd', 'standard', '--no-progress', '--optimizer', 'momentum', '--eta', '3', '--epochs', '6', '--json'];
  const keep = join(dir, 'keep-best.json');
  const last = join(dir, 'last.json');
  const metrics = join(dir, 'keep-best.jsonl');
  const [kept, plain] = await Promise.all([
    runCli(['train', ...base, '--keep-best', '--save', keep, '--metrics', metrics]),
    runCli(['train', ...base, '--save', last]),
  ]);
  const stopped = await runCli(['train', ...base, '--early-stop', '1', '--save', join(dir, 'early.json')]);
  const early = lastJson<{ bestEpoch: number; restoredBestEpoch?: number; stopped: string; epochs: unknown[] }>(stopped.stdout);
  assert.equal(early.stopped, 'early-stopping', stopped.stderr);
  assert.equal(early.epochs.length, early.bestEpoch + 1);
  assert.match(stopped.stderr, new RegExp(`best epoch ${early.bestEpoch}; early-stopping; ending with the parameters of epoch ${early.bestEpoch}, the best by validation accuracy;`));
  assert.equal(kept.code, 0, kept.stderr);
  const summary = lastJson<{ bestEpoch: number; restoredBestEpoch?: number; epochs: { epoch: number; validationAccuracy: number; eta: number }[] }>(kept.stdout);
  assert.equal(summary.restoredBestEpoch, summary.bestEpoch);
  assert.match(kept.stderr, new RegExp(`ending with the parameters of epoch ${summary.bestEpoch}, the best by validation accuracy; model saved to`));
  const accuracies = summary.epochs.map((e) => e.validationAccuracy);
  assert.equal(Math.max(...accuracies), accuracies[summary.bestEpoch - 1]);
  const lines = (await readFile(metrics, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { eta: number; config: { optimizer: string } });
  assert.deepEqual(lines.map((l) => l.eta), summary.epochs.map((e) => e.eta), 'the eta of each epoch in --metrics');
  assert.equal(lines[0].config.optimizer, 'momentum');
  // The best epoch's model evaluates to the best epoch's validation accuracy.
  const evaluated = await runCli(['evaluate', '--model', keep, '--data', MNIST_DIR, '--json']);
  assert.equal(lastJson<{ validationAccuracy: number }>(evaluated.stdout).validationAccuracy, accuracies[summary.bestEpoch - 1]);
  assert.equal(plain.code, 0, plain.stderr);
  assert.doesNotMatch(plain.stderr, /ending with the parameters/);
  if (summary.bestEpoch < 6) assert.notDeepEqual((await loadModel(keep)).parameters, (await loadModel(last)).parameters);
});

test('bad learning flags are one line each, exit 2 for values and 1 for flags that do not apply', async () => {
  const cases: [string[], RegExp, number][] = [
    [['--optimizer', 'rmsprop'], /^mnist-wasm: option '--optimizer <name>' argument 'rmsprop' is invalid\. Allowed choices are sgd, momentum, nesterov, adam\.$/, 2],
    [['--momentum', '1.5', '--optimizer', 'momentum'], /^mnist-wasm: option '--momentum <mu>' argument '1\.5' is invalid\. momentum must be at least 0 and below 1 \(got 1\.5\)\.$/, 2],
    [['--dropout', '1'], /dropout must be at least 0 and below 1 \(got 1\)\.$/, 2],
    [['--warmup', '0.5'], /warm-up must be a whole number\.$/, 2],
    [['--momentum', '0.5'], /^mnist-wasm: --momentum applies to --optimizer momentum or nesterov, not sgd$/, 1],
    [['--schedule', 'cosine', '--gamma', '0.5'], /^mnist-wasm: --gamma applies to --schedule step or exponential, not cosine$/, 1],
  ];
  for (const [flags, message, code] of cases) {
    const run = await runCli(['train', '--data', MNIST_DIR, ...flags]);
    assert.equal(run.code, code, `${flags.join(' ')}: ${run.stderr}`);
    assert.match(run.stderr.trimEnd(), message);
    assert.equal(run.stderr.trim().split('\n').length, 1);
  }
});
