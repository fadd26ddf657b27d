// Destinations are checked before any work, and a trained model is never lost: folders are created, impossible
// targets are refused in one line before the data is read, and a final write that fails leaves the parameters in
// a fallback file the message names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadModel } from '../src/model/file-node.js';
import { prepareOutputDir, prepareOutputFile } from '../src/util/output.js';
import { MNIST_DIR, runCli } from './helpers.js';

const dir = await mkdtemp(join(tmpdir(), 'mnist-outputs-'));
const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const aFile = join(dir, 'a-file');
await writeFile(aFile, 'not a folder\n');

function refused(run: { code: number | null; stdout: string; stderr: string }, pattern: RegExp): void {
  assert.equal(run.code, 1, run.stderr);
  assert.equal(run.stdout, '', 'nothing trained');
  assert.match(run.stderr, /^mnist-wasm: [^\n]+\n$/, 'one line');
  assert.match(run.stderr, pattern);
}

test('prepareOutputFile creates missing folders and refuses directories and paths through files', async () => {
  const file = join(dir, 'new', 'deeper', 'm.json');
  assert.equal(await prepareOutputFile(file), file);
  assert.ok((await stat(join(dir, 'new', 'deeper'))).isDirectory());
  await assert.rejects(prepareOutputFile(dir), /is a directory; give a file name/);
  await assert.rejects(prepareOutputFile(join(aFile, 'x', 'm.json')), /a-file is a file, not a folder/);
  assert.equal(await prepareOutputDir(join(dir, 'report')), join(dir, 'report'));
  await assert.rejects(prepareOutputDir(aFile), /a-file: is a file, not a folder/);
});

test('train refuses every impossible destination before reading any data (the data folder here does not exist)', async () => {
  const train = (...args: string[]) => runCli(['train', '--data', join(dir, 'no-data'), '--no-progress', ...args]);
  refused(await train('--save', dir), /mnist-outputs-\w+: is a directory; give a file name/);
  refused(await train('--checkpoint', join(aFile, 'c.json')), /c\.json: \S+a-file is a file, not a folder/);
  refused(await train('--metrics', join(dir, 'm.jsonl'), '--plot', join(aFile, 'p.svg')), /p\.svg: \S+a-file is a file, not a folder/);
  refused(await train('--save', '/proc/mnist-wasm-test/m.json'), /^mnist-wasm: \/proc\/mnist-wasm-test\/m\.json: cannot create the folder \/proc\/mnist-wasm-test/);
  refused(await runCli(['report', '--model', join(dir, 'none.json'), '--out', aFile]), /a-file: is a file, not a folder/);
  refused(await runCli(['report', '--model', join(dir, 'typo.json'), '--out', join(dir, 'new-report')]), /typo\.json: model file not found/);
  assert.ok(!existsSync(join(dir, 'new-report')), 'no folder made for a model that did not load');
  refused(await train('--save', join(dir, 'same.json'), '--checkpoint', join(dir, '.', 'same.json')), /--checkpoint \S+same\.json is the same file as --save \S+same\.json/);
  refused(await train('--metrics', join(dir, 'curves.svg'), '--plot', join(dir, 'curves.svg')), /--plot \S+curves\.svg is the same file as --metrics/);
});

test('--save, --checkpoint and --metrics into folders that do not exist yet are created', async () => {
  const out = join(dir, 'runs', 'one');
  const run = await runCli(['train', '--data', MNIST_DIR, '--train-size', '500', '--epochs', '1', '--no-progress', '--save', join(out, 'model', 'm.json'), '--checkpoint', join(out, 'ck', 'c.json'), '--metrics', join(out, 'metrics', 'm.jsonl')]);
  assert.equal(run.code, 0, run.stderr);
  for (const file of ['model/m.json', 'ck/c.json', 'metrics/m.jsonl']) assert.ok(existsSync(join(out, file)), file);
});

test('train without --save keeps the model under models/ and says where', async () => {
  const cwd = await mkdtemp(join(tmpdir(), 'mnist-default-save-'));
  const run = await runCli(['train', '--data', MNIST_DIR, '--train-size', '500', '--epochs', '1', '--no-progress', '--layers', '784,16,10', '--seed', '4'], { cwd });
  assert.equal(run.code, 0, run.stderr);
  const saved = /model saved to (models\/mnist_784-16-10_sigmoid_scaled_lambda0_seed4_\d{8}-\d{6}\.json)$/m.exec(run.stderr)?.[1];
  assert.ok(saved, run.stderr);
  assert.equal((await loadModel(join(cwd, saved))).state?.epochsDone, 1);
});

test('a train without --save that fails on bad data leaves no models/ folder behind', async () => {
  const cwd = await mkdtemp(join(tmpdir(), 'mnist-default-bad-data-'));
  const data = join(cwd, 'bad-data');
  await mkdir(data);
  for (const name of ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte']) await writeFile(join(data, name), 'not an IDX file\n');
  const run = await runCli(['train', '--data', data, '--epochs', '1', '--no-progress'], { cwd });
  assert.equal(run.code, 1, run.stderr);
  assert.match(run.stderr, /^mnist-wasm: \S+bad-data\/[^\n]+\n$/);
  assert.ok(!existsSync(join(cwd, 'models')), 'no models/ folder');
});

// Settings for the fallback tests and the uninterrupted run their fallback files must equal, bit for bit.
const RUN = ['--data', MNIST_DIR, '--train-size', '20000', '--epochs', '3', '--seed', '5', '--layers', '784,30,10', '--simd', 'standard', '--no-monitor-train', '--no-monitor-validation', '--no-monitor-test', '--no-progress'];
const reference = join(dir, 'reference.json');
const referenceRun = runCli(['train', ...RUN, '--save', reference]);

/** Starts `train RUN extra`, and once `file` exists (the first epoch is written) does `meanwhile` to its outputs. */
async function trainAndMeanwhile(extra: string[], file: string, meanwhile: () => Promise<void>): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [CLI, 'train', ...RUN, ...extra]);
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  const code = new Promise<number | null>((resolve) => child.on('close', resolve));
  const started = Date.now();
  while (!existsSync(file) && Date.now() - started < 120_000) await new Promise((r) => setTimeout(r, 10));
  await meanwhile();
  return { code: await code, stderr };
}

async function assertFallbackHoldsTheModel(stderr: string, where: string): Promise<void> {
  const fallback = /the model is saved in (\S+\.unsaved-\S+\.json) instead$/m.exec(stderr)?.[1];
  assert.ok(fallback, stderr);
  assert.ok(fallback.startsWith(where), `${fallback} is in ${where}`);
  assert.equal((await referenceRun).code, 0);
  assert.deepEqual((await loadModel(fallback)).parameters, (await loadModel(reference)).parameters);
  await rm(fallback);
}

test('the --save folder removed during training: one line naming a fallback beside the checkpoint that holds the parameters', async () => {
  const gone = join(dir, 'gone');
  const checkpoint = join(dir, 'ck-gone.json');
  const { code, stderr } = await trainAndMeanwhile(['--save', join(gone, 'm.json'), '--checkpoint', checkpoint], checkpoint, async () => {
    await rm(gone, { recursive: true });
    await writeFile(gone, 'a file where the folder was\n');
  });
  assert.equal(code, 1, stderr);
  assert.match(stderr, /^mnist-wasm: \S+gone\/m\.json: could not be written: a part of the path is a file, not a folder \(ENOTDIR\); the model is saved in \S+ instead\n$/);
  await assertFallbackHoldsTheModel(stderr, dir);
});

/** A 64 KiB tmpfs, where this process may mount one (root on Linux); undefined elsewhere. */
function tinyDisk(path: string): (() => void) | undefined {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', path], { stdio: 'ignore' });
    return () => execFileSync('umount', [path]);
  } catch {
    return undefined;
  }
}

test('a full disk at the final save: one line naming a fallback in the temp folder that holds the parameters', async (t) => {
  const full = join(dir, 'full');
  await mkdir(full);
  const unmount = tinyDisk(full);
  if (!unmount) return t.skip('cannot mount a tmpfs here (needs root on Linux)');
  try {
    const run = await runCli(['train', ...RUN, '--save', join(full, 'm.json')]);
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /^mnist-wasm: \S+full\/m\.json: could not be written: no space left on the device \(ENOSPC\); the model is saved in \S+ instead\n$/);
    await assertFallbackHoldsTheModel(run.stderr, tmpdir());
  } finally {
    unmount();
  }
});

test('a metrics folder removed mid-run: the model trained so far is kept and the message says how to resume', async () => {
  const metricsDir = join(dir, 'metrics-gone');
  const metrics = join(metricsDir, 'm.jsonl');
  const { code, stderr } = await trainAndMeanwhile(['--save', join(dir, 'never.json'), '--metrics', metrics], metrics, () => rm(metricsDir, { recursive: true }));
  assert.equal(code, 1, stderr);
  assert.match(stderr, /^mnist-wasm: \S+m\.jsonl: could not be written: no such file or folder \(ENOENT\); the model trained so far is saved in (\S+) \(resume with: npx mnist-wasm train --resume \S+ --data \S+ --save \S+never\.json --metrics \S+m\.jsonl\)\n$/);
  const kept = /saved in (\S+) \(resume/.exec(stderr)?.[1] as string;
  assert.ok((await loadModel(kept)).state?.epochsDone, 'at least one epoch is kept');
  assert.equal(existsSync(join(dir, 'never.json')), false, '--save is written only by a finished run');
  assert.equal(JSON.parse(await readFile(kept, 'utf8')).format, 'mnist-wasm-model');
  await rm(kept);
});
