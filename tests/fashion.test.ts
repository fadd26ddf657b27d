// --dataset fashion-mnist finds Debian's copy (apt-get install dataset-fashion-mnist; .ci/run installs it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastJson, runCli } from './helpers.js';

const DEBIAN_DIR = '/usr/share/datasets/fashion-mnist';

test('train --dataset fashion-mnist reads the Debian package and learns', { skip: existsSync(DEBIAN_DIR) ? false : `${DEBIAN_DIR} is not installed` }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'mnist-fashion-'));
  const run = await runCli(['train', '--dataset', 'fashion-mnist', '--train-size', '2000', '--epochs', '1', '--no-monitor-train', '--json', '--save', join(dir, 'm.json')], {
    env: { ...process.env, FASHION_MNIST_DIR: '' },
  });
  await rm(dir, { recursive: true, force: true });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /fashion-mnist from \/usr\/share\/datasets\/fashion-mnist/);
  const summary = lastJson<{ final: { testAccuracy: number } }>(run.stdout);
  assert.ok(summary.final.testAccuracy > 0.3, `test accuracy ${summary.final.testAccuracy} is above chance`);
});
