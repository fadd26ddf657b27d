// Bad input to the CLI: one line naming the file or flag and the problem, a non-zero exit, never a stack trace.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { idxBytes, MNIST_DIR, REPO_ROOT, runCli } from './helpers.js';
import type { CliResult } from './helpers.js';
import { serveFolder } from './serve.js';

const root = await mkdtemp(join(tmpdir(), 'mnist-bad-'));
const FILES = ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'];

/** A copy of MNIST with one file replaced. */
async function dataWith(name: string, file: string, bytes: Uint8Array): Promise<string> {
  const dir = join(root, name);
  await mkdir(dir);
  for (const f of FILES) if (f !== file) await copyFile(join(MNIST_DIR, f), join(dir, f));
  await writeFile(join(dir, file), bytes);
  return dir;
}

function oneLineError(run: CliResult, pattern: RegExp, code = 1): void {
  assert.equal(run.code, code, `exit code (stderr: ${run.stderr})`);
  const lines = run.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line: ${run.stderr}`);
  assert.match(lines[0], /^mnist-wasm: /);
  assert.match(lines[0], pattern);
  assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
}

const quick = ['--train-size', '100', '--epochs', '1', '--no-progress'];

test('an unknown flag', async () => oneLineError(await runCli(['train', '--learning-rate', '3']), /unknown option '--learning-rate'/, 2));
test('an unknown command', async () => oneLineError(await runCli(['fly']), /unknown command 'fly'/, 2));
test('a value that is not a number', async () => oneLineError(await runCli(['train', '--eta', 'fast']), /--eta <x>.*'fast' is invalid.*positive number/, 2));
test('a name that is not one of the choices', async () => oneLineError(await runCli(['train', '--activation', 'tanh']), /'tanh' is invalid.*sigmoid, relu/, 2));
test('layer sizes that are not a list of positive integers', async () => oneLineError(await runCli(['train', '--layers', '784,0,10']), /layers must be a comma-separated list/, 2));

test('a data folder that does not exist', async () => {
  oneLineError(await runCli(['train', '--data', join(root, 'nowhere'), ...quick]), /nowhere: data folder not found/);
});

test('a data folder with a file missing names the file', async () => {
  const dir = join(root, 'missing');
  await mkdir(dir);
  for (const f of FILES.slice(0, 3)) await copyFile(join(MNIST_DIR, f), join(dir, f));
  oneLineError(await runCli(['train', '--data', dir, ...quick]), /missing\/t10k-labels-idx1-ubyte\.gz: file not found/);
});

test('a file with the wrong magic number', async () => {
  const dir = await dataWith('magic', 't10k-labels-idx1-ubyte.gz', gzipSync(new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0, 0, 0])));
  oneLineError(await runCli(['train', '--data', dir, ...quick]), /magic\/t10k-labels-idx1-ubyte\.gz: not an IDX file: magic number 0x1f8b0800/);
});

test('a truncated image file', async () => {
  const dir = await dataWith('truncated', 't10k-images-idx3-ubyte.gz', gzipSync(idxBytes([10000, 28, 28], new Uint8Array(5000))));
  oneLineError(await runCli(['train', '--data', dir, ...quick]), /truncated\/t10k-images-idx3-ubyte\.gz: truncated: dimensions 10000x28x28 need 7840000 data bytes, found 5000/);
});

test('image and label counts that differ', async () => {
  const dir = await dataWith('counts', 't10k-labels-idx1-ubyte.gz', gzipSync(idxBytes([9999], new Uint8Array(9999))));
  oneLineError(await runCli(['train', '--data', dir, ...quick]), /counts\/t10k-labels-idx1-ubyte\.gz: has 9999 labels but .*t10k-images-idx3-ubyte\.gz has 10000 images/);
});

test('a batch larger than the training set', async () => {
  oneLineError(await runCli(['train', '--data', MNIST_DIR, ...quick, '--batch', '500']), /^mnist-wasm: batch size 500 is larger than the 100 training examples$/);
});

test('an input layer that does not match the images', async () => {
  oneLineError(await runCli(['train', '--data', MNIST_DIR, ...quick, '--layers', '100,30,10']), /--layers 100,30,10: the network takes 100 inputs but the images in \S+ have 784 pixels$/);
});

test('an output layer with fewer classes than the labels is named before training starts, with the labels', async () => {
  const run = await runCli(['train', '--data', MNIST_DIR, ...quick, '--layers', '784,30,9']);
  oneLineError(run, /--layers 784,30,9: the network has 9 output classes but the labels in \S+ go up to 9 \(10 classes\)$/);
  assert.equal(run.stdout, '', 'no header, no table');
});

test('--version prints the package version', async () => {
  const run = await runCli(['--version']);
  assert.equal(run.code, 0);
  assert.equal(run.stdout, `${JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')).version}\n`);
});

test('a model file that does not exist, for evaluate and for --resume', async () => {
  oneLineError(await runCli(['evaluate', '--model', join(root, 'none.json'), '--data', MNIST_DIR]), /none\.json: model file not found/);
  oneLineError(await runCli(['train', '--resume', join(root, 'none.json'), '--data', MNIST_DIR]), /none\.json: model file not found/);
});

test('offline with no data anywhere: says where it looked and how to point at a folder', async () => {
  const closed = await serveFolder(MNIST_DIR);
  closed.server.close();
  const cwd = await mkdtemp(join(tmpdir(), 'mnist-empty-'));
  const env = { ...process.env, MNIST_DIR: join(cwd, 'data/mnist'), MNIST_WASM_MIRRORS: closed.url };
  const run = await runCli(['train', ...quick], { cwd, env });
  assert.equal(run.code, 1);
  const last = run.stderr.trim().split('\n').pop() as string;
  assert.match(last, /^mnist-wasm: mnist not found in .*data\/mnist, and could not reach any MNIST mirror: offline\? pass --data DIR$/);
  assert.doesNotMatch(run.stderr, /\n\s+at /);
});

const server = await serveFolder(MNIST_DIR);
after(() => server.server.close());

test('with no data anywhere, train downloads it into data/mnist and trains', async () => {
  const cwd = await mkdtemp(join(tmpdir(), 'mnist-fresh-'));
  const run = await runCli(['train', ...quick, '--json'], { cwd, env: { ...process.env, MNIST_DIR: join(cwd, 'data/mnist'), MNIST_WASM_MIRRORS: server.url } });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /mnist not found in .*; downloading it into .*data\/mnist/);
  assert.match(run.stdout, new RegExp(`mnist from ${cwd.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/data/mnist`));
  assert.equal(FILES.every((f) => server.requests.includes(f)), true);
});
