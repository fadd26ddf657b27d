// The download path against a local HTTP server that serves the real MNIST files.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { downloadDataset, DownloadError, maxDownloadBytes } from '../src/data/download.js';
import { loadMnist } from '../src/data/mnist.js';
import { MNIST_DIR, runCli } from './helpers.js';
import { serveFolder } from './serve.js';

const good = await serveFolder(MNIST_DIR);
const bad = await serveFolder(MNIST_DIR, { corrupt: ['t10k-labels-idx1-ubyte.gz'] });
// A port that was free a moment ago: connections to it are refused.
const closed = await serveFolder(MNIST_DIR);
closed.server.close();

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

/** A mirror that answers every request with bytes that never end, announced (lying) or not by Content-Length. */
async function endlessMirror(contentLength?: number): Promise<{ url: string; sent: () => number }> {
  let sent = 0;
  const chunk = new Uint8Array(1 << 16).fill(0x1f);
  const server = createServer((req, res) => {
    res.writeHead(200, contentLength === undefined ? {} : { 'content-length': String(contentLength) });
    const pump = (): void => {
      while (!res.destroyed && res.write(chunk)) sent += chunk.length;
      if (!res.destroyed) res.once('drain', pump);
    };
    pump();
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, sent: () => sent };
}

test('a mirror that sends more than a file can have is cut off at the known size, and nothing is kept', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'mnist-dl-'));
  const endless = await endlessMirror();
  const failures: string[] = [];
  await downloadDataset('mnist', dir, { mirrors: [endless.url, good.url], onFile: (e) => void (e.status === 'failed' && failures.push(`${e.reason}`)) });
  assert.equal(failures.length, 4, failures.join('; '));
  assert.ok(failures.every((f) => f.startsWith('sent more than ')), failures.join('; '));
  // The client stopped reading: at most the four caps plus what sockets buffer, not an endless stream.
  const caps = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'].reduce((sum, n) => sum + maxDownloadBytes(n), 0);
  assert.ok(endless.sent() < caps + (64 << 20), `${endless.sent()} bytes sent`);
  assert.equal((await loadMnist(dir)).test.count, 10_000);
  assert.deepEqual((await readdir(dir)).filter((f) => f.endsWith('.tmp')), []);
});

test('a Content-Length larger than the file can be is refused before the body is read', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'mnist-dl-'));
  const liar = await endlessMirror(1 << 30);
  await assert.rejects(downloadDataset('mnist', dir, { mirrors: [liar.url] }), /Content-Length 1073741824, more than the 47090049 bytes a copy of this file can have\)$/);
});

test('file:// mirrors work', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'mnist-dl-'));
  assert.equal((await downloadDataset('mnist', dir, { mirrors: [pathToFileURL(MNIST_DIR).href] })).length, 4);
  assert.equal((await loadMnist(dir)).train.count, 50_000);
});

test('offline: one short line, and the folder it would have created is gone again', async () => {
  const parent = await mkdtemp(join(tmpdir(), 'mnist-dl-'));
  const dir = join(parent, 'data', 'mnist');
  await assert.rejects(downloadDataset('mnist', dir, { mirrors: [closed.url, closed.url] }), (e: unknown) => {
    assert.ok(e instanceof DownloadError);
    assert.equal(e.message, 'could not reach any MNIST mirror: offline? pass --data DIR');
    return true;
  });
  assert.ok(!existsSync(join(parent, 'data')), 'no empty data/mnist left behind');
});

test('download: "trying the next mirror" only when there is one; --dir that is a file is refused before any request', async () => {
  const parent = await mkdtemp(join(tmpdir(), 'mnist-dl-'));
  const run = await runCli(['download', '--dir', join(parent, 'new'), '--only-mirrors', '--mirror', closed.url, '--mirror', closed.url]);
  assert.equal(run.code, 1);
  const lines = run.stderr.trim().split('\n');
  assert.equal(lines.length, 3, run.stderr);
  assert.match(lines[0], /train-images-idx3-ubyte\.gz: http:.* failed \(ECONNREFUSED\), trying the next mirror$/);
  assert.match(lines[1], /train-images-idx3-ubyte\.gz: http:.* failed \(ECONNREFUSED\)$/);
  assert.equal(lines[2], 'mnist-wasm: could not reach any MNIST mirror: offline? pass --data DIR');
  assert.deepEqual(await readdir(parent), []);

  const file = join(parent, 'a-file');
  await writeFile(file, 'x');
  const before = good.requests.length;
  const refused = await runCli(['download', '--dir', file, '--only-mirrors', '--mirror', good.url]);
  assert.equal(refused.code, 1);
  assert.equal(refused.stderr, `mnist-wasm: ${file}: is a file, not a folder\n`);
  assert.equal(good.requests.length, before);
});
