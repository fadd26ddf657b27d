// The download path against a local HTTP server that serves the real MNIST files.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { downloadDataset, DownloadError } from '../src/data/download.js';
import { loadMnist } from '../src/data/mnist.js';
import { MNIST_DIR } from './helpers.js';
import { serveFolder } from './serve.js';

const good = await serveFolder(MNIST_DIR);
const bad = await serveFolder(MNIST_DIR, { corrupt: ['t10k-labels-idx1-ubyte.gz'] });
// A port that was free a moment ago: connections to it are refused.
const closed = await serveFolder(MNIST_DIR);
closed.server.close();
after(() => {
  good.server.close();
  bad.server.close();
});

test('downloads the four files, verifies them, and they load as the standard split', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'mnist-dl-'));
  const written = await downloadDataset('mnist', dir, { mirrors: [good.url] });
  assert.equal(written.length, 4);
  const split = await loadMnist(dir);
  assert.equal(split.train.count + split.validation.count, 60_000);
  const original = gunzipSync(await readFile(join(MNIST_DIR, 't10k-images-idx3-ubyte.gz')));
  assert.deepEqual(gunzipSync(await readFile(join(dir, 't10k-images-idx3-ubyte.gz'))), original);
  // Nothing but the four files: no temporary files left behind.
  assert.deepEqual((await readdir(dir)).sort(), ['t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz', 'train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz']);
  // A second run keeps the verified files and fetches nothing.
  const before = good.requests.length;
  assert.equal((await downloadDataset('mnist', dir, { mirrors: [good.url] })).length, 0);
  assert.equal(good.requests.length, before);
});

test('a file that fails its checksum is rejected and the next mirror is tried', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'mnist-dl-'));
  const failures: string[] = [];
  await downloadDataset('mnist', dir, {
    mirrors: [bad.url, good.url],
    onFile: (e) => void (e.status === 'failed' && failures.push(`${e.file} ${e.reason}`)),
  });
  assert.equal(failures.length, 1);
  assert.match(failures[0], /t10k-labels-idx1-ubyte\.gz (SHA-256 mismatch|corrupt gzip data)/);
  assert.equal((await loadMnist(dir)).test.count, 10_000);
});

test('when every mirror fails, the error names the file and each mirror with its reason, and nothing is written', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'mnist-dl-'));
  await assert.rejects(downloadDataset('mnist', dir, { mirrors: [bad.url, closed.url] }), (e: unknown) => {
    assert.ok(e instanceof DownloadError);
    assert.match(e.message, /t10k-labels-idx1-ubyte\.gz: could not download a verified copy/);
    assert.match(e.message, /(SHA-256 mismatch|corrupt gzip)/);
    assert.ok(e.message.includes(`${closed.url}t10k-labels-idx1-ubyte.gz: ECONNREFUSED`), e.message);
    return true;
  });
  assert.ok(!(await readdir(dir)).includes('t10k-labels-idx1-ubyte.gz'));
});
