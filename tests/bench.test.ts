// The benchmark command runs every contender and reports its numbers; speed itself is judged by running
// `mnist-wasm bench`, never by a timed test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastJson, MNIST_DIR, runCli } from './helpers.js';

test('mnist-wasm bench --quick --json prints the table, writes JSON, and maps each contender to its epoch seconds', async () => {
  const out = await mkdtemp(join(tmpdir(), 'mnist-bench-'));
  const run = await runCli(['bench', '--data', MNIST_DIR, '--quick', '--json', '--out', out]);
  assert.equal(run.code, 0, run.stderr);
  const summary = lastJson<{ epochSeconds: Record<string, number>; results: { contender: string; vsTsTwin: number; epochSeconds: number; evalSeconds: number; wholeEpochSeconds: number }[]; kernels: { kernel: string; trainUs: number; evalUs: number }[]; machine: { loadAverage: number[] } }>(run.stdout);
  for (const row of summary.results) assert.ok(Math.abs(row.wholeEpochSeconds - row.epochSeconds - row.evalSeconds) < 0.002, `${row.contender}: the whole epoch is training plus evaluation`);
  assert.ok(summary.kernels.find((k) => k.kernel === 'denseForward')?.trainUs, 'the forward kernel is timed in training');
  assert.ok(summary.kernels.find((k) => k.kernel === 'forwardExamples')?.evalUs, 'and in evaluation');
  assert.equal(summary.machine.loadAverage.length, 3);
  for (const name of ['wasm standard SIMD', 'ts twin', 'wasm standard SIMD, dense kernels', 'tfjs-cpu (f32)', 'tfjs-wasm (f32)']) {
    assert.ok(summary.epochSeconds[name] > 0, name);
  }
  assert.ok(Object.keys(summary.epochSeconds).some((n) => /2 threads/.test(n)));
  assert.ok(Object.keys(summary.epochSeconds).some((n) => /elastic distortions/.test(n)));
  assert.match(run.stdout, /trainExamplesPerSecond/);
  assert.doesNotMatch(run.stderr, /tfjs-node|Hi, looks like/, 'no TensorFlow.js banner');
  assert.deepEqual(JSON.parse(await readFile(join(out, 'bench-latest.json'), 'utf8')).epochSeconds, summary.epochSeconds);
});

test('bench refuses an --out it cannot write before measuring anything', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'mnist-bench-out-'));
  await writeFile(join(dir, 'a-file'), 'not a folder\n');
  const run = await runCli(['bench', '--data', join(dir, 'no-data'), '--out', join(dir, 'a-file')]);
  assert.equal(run.code, 1, run.stderr);
  assert.equal(run.stdout, '');
  assert.match(run.stderr, /^mnist-wasm: \S+a-file: is a file, not a folder\n$/);
});
