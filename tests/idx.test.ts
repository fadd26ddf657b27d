// The IDX reader on generated files: gzip or raw by content, and every way a file can be wrong.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createWriteStream } from 'node:fs';
import { copyFile, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip, gzipSync } from 'node:zlib';
import { DataFormatError } from '../src/errors.js';
import { parseIdx } from '../src/data/idx.js';
import { readIdxDataset, readIdxFile } from '../src/data/files.js';
import type { ByteStore } from '../src/data/dataset.js';
import { loadMnist } from '../src/data/mnist.js';
import { Network } from '../src/engine/network.js';
import { idxBytes, MNIST_DIR, runCli } from './helpers.js';

const dir = await mkdtemp(join(tmpdir(), 'mnist-idx-'));
const pixels = new Uint8Array(3 * 2 * 2).map((_, i) => i * 20);
const labels = new Uint8Array([3, 1, 4]);

async function write(name: string, bytes: Uint8Array): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, bytes);
  return path;
}

test('reads raw and gzip IDX files the same, whatever the name says', async () => {
  const raw = await write('a-idx3-ubyte', idxBytes([3, 2, 2], pixels));
  const gz = await write('b-idx3-ubyte', gzipSync(idxBytes([3, 2, 2], pixels)));
  for (const path of [raw, gz]) {
    const tensor = await readIdxFile(path);
    assert.deepEqual(tensor.dims, [3, 2, 2]);
    assert.deepEqual([...tensor.data], [...pixels]);
  }
});

test('joins images and labels into a dataset of count x rows*cols bytes', async () => {
  const images = await write('ok-images.gz', gzipSync(idxBytes([3, 2, 2], pixels)));
  const labelFile = await write('ok-labels', idxBytes([3], labels));
  const data = await readIdxDataset(images, labelFile);
  assert.equal(data.count, 3);
  assert.equal(data.inputSize, 4);
  assert.deepEqual([...data.labels], [3, 1, 4]);
  assert.deepEqual([...data.images.subarray(4, 8)], [80, 100, 120, 140]);
});

/** A store that moves to new memory at every alloc, detaching the old (as a growing wasm memory does), and counts what it holds. */
function movingStore(): ByteStore & { held: number } {
  let u8 = new Uint8Array(0);
  return {
    held: 0,
    get u8() {
      return u8;
    },
    alloc(bytes: number): number {
      const at = u8.length;
      const moved = new Uint8Array(at + bytes);
      moved.set(u8);
      structuredClone(u8.buffer, { transfer: [u8.buffer] });
      u8 = moved;
      this.held += bytes;
      return at;
    },
  };
}

test('read into a store, raw and gzip files put their data and labels there alone, and the dataset sees them after the store moves', async () => {
  const rawImages = await write('store-images', idxBytes([3, 2, 2], pixels));
  const gzImages = await write('store-images.gz', gzipSync(idxBytes([3, 2, 2], pixels)));
  const rawLabels = await write('store-labels', idxBytes([3], labels));
  const gzLabels = await write('store-labels.gz', gzipSync(idxBytes([3], labels)));
  for (const [images, labelFile] of [[rawImages, gzLabels], [gzImages, rawLabels], [rawImages, rawLabels]]) {
    const store = movingStore();
    const data = await readIdxDataset(images, labelFile, store);
    assert.equal(store.held, 12 + 3, `${images} + ${labelFile}: the data once, without the headers`);
    assert.deepEqual([...data.images], [...pixels]);
    assert.deepEqual([...data.labels], [...labels]);
    store.alloc(16); // moves the store again: the dataset's views follow
    assert.deepEqual([...data.labels], [...labels]);
  }
});

test('a raw file read into a store is checked against its header first, with the messages of the plain reader', async () => {
  const cases: [string, Uint8Array, string][] = [
    ['store-trailing', new Uint8Array([...idxBytes([3], labels), 7]), '1 bytes of trailing data after the 3 tensor'],
    ['store-truncated', idxBytes([3, 2, 2], pixels).subarray(0, 20), 'truncated: dimensions 3x2x2 need 12 data bytes, found 4'],
    ['store-header', new Uint8Array([0, 0, 8, 3, 0, 0]), 'truncated IDX header: 6 of 16 bytes'],
  ];
  for (const [name, bytes, why] of cases) {
    const path = await write(name, bytes);
    const store = movingStore();
    for (const into of [undefined, store]) await assert.rejects(readIdxFile(path, into), (e: unknown) => e instanceof DataFormatError && e.message === `${path}: ${why}`);
    assert.equal(store.held, 0, `${name}: nothing reserved`);
  }
  const store = movingStore();
  await assert.rejects(readIdxFile(dir, store), (e: unknown) => e instanceof DataFormatError && e.message === `${dir}: is a folder, not a file`);
  await assert.rejects(readIdxFile(join(dir, 'absent'), store), (e: unknown) => e instanceof DataFormatError && e.message === `${join(dir, 'absent')}: file not found`);
});

test('a damaged gzip file read into a store fails with the message the plain reader gives, having reserved no more than it declares', async () => {
  const good = gzipSync(idxBytes([3, 2, 2], pixels));
  const crcFlipped = good.slice();
  crcFlipped[crcFlipped.length - 8] ^= 0xff;
  const cases: [string, Uint8Array][] = [
    ['cut-in-data', good.subarray(0, good.length - 12)],
    ['cut-in-trailer', good.subarray(0, good.length - 3)],
    ['bad-crc', crcFlipped],
    ['bad-block', new Uint8Array([...good.subarray(0, 10), 0xff, ...good.subarray(11)])],
    ['short-content', gzipSync(idxBytes([3, 2, 2], pixels).subarray(0, 22))],
    ['long-content', gzipSync(new Uint8Array([...idxBytes([3, 2, 2], pixels), 1, 2]))],
    ['header-only', gzipSync(new Uint8Array([0, 0, 8, 3, 0, 0, 0, 3]))],
    ['two-bytes', gzipSync(new Uint8Array([0, 0]))],
    ['bad-magic', gzipSync(new Uint8Array([0x50, 0x4b, 3, 4, 0, 0, 0, 1, 9]))],
    ['too-large', gzipSync(new Uint8Array([0, 0, 8, 3, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0xff, 0, 0, 0, 0xff]))],
  ];
  for (const [name, bytes] of cases) {
    const path = await write(`damaged-${name}.gz`, bytes);
    const plain = await readIdxFile(path).then(() => 'no error', (e: Error) => e.message);
    assert.match(plain, new RegExp(`^${path}: [^\\n]+$`), name);
    const store = movingStore();
    await assert.rejects(readIdxFile(path, store), (e: unknown) => e instanceof DataFormatError && e.message === plain, name);
    assert.ok(store.held <= 12, `${name}: reserved ${store.held} bytes`);
  }
  // Two gzip members make one file, as gzip and Node's gunzip have it.
  const halves = idxBytes([3, 2, 2], pixels);
  const path = await write('two-members.gz', new Uint8Array([...gzipSync(halves.subarray(0, 19)), ...gzipSync(halves.subarray(19))]));
  assert.deepEqual([...(await readIdxFile(path, movingStore())).data], [...pixels]);
});

function rejects(bytes: Uint8Array, pattern: RegExp): void {
  assert.throws(() => parseIdx(bytes, 'some/file'), (error: unknown) => {
    assert.ok(error instanceof DataFormatError, 'a DataFormatError');
    assert.match(error.message, /^some\/file: /);
    assert.match(error.message, pattern);
    return true;
  });
}

test('rejects a wrong magic number', () => rejects(new Uint8Array([0x50, 0x4b, 3, 4, 0, 0, 0, 1, 9]), /magic number 0x504b0304/));
test('rejects an element type other than unsigned bytes', () => rejects(new Uint8Array([0, 0, 0x0d, 1, 0, 0, 0, 1, 0, 0, 0, 0]), /element type 0xd/));
test('rejects a truncated header', () => rejects(new Uint8Array([0, 0, 8, 3, 0, 0]), /truncated IDX header/));
test('rejects truncated data', () => rejects(idxBytes([3, 2, 2], pixels).subarray(0, 20), /truncated: dimensions 3x2x2 need 12 data bytes, found 4/));
test('rejects trailing data', () => rejects(new Uint8Array([...idxBytes([3], labels), 7]), /1 bytes of trailing data/));
test('rejects a file too short to be IDX', () => rejects(new Uint8Array([0, 0]), /only 2 bytes/));

test('rejects image and label files whose counts differ, naming both', async () => {
  const images = await write('n-images', idxBytes([3, 2, 2], pixels));
  const labelFile = await write('n-labels', idxBytes([2], labels.subarray(0, 2)));
  await assert.rejects(readIdxDataset(images, labelFile), /n-labels: has 2 labels but .*n-images has 3 images/);
});

test('rejects labels outside 0-9', async () => {
  const images = await write('l-images', idxBytes([3, 2, 2], pixels));
  const labelFile = await write('l-labels', idxBytes([3], new Uint8Array([1, 12, 3])));
  await assert.rejects(readIdxDataset(images, labelFile), /label 12 at index 1 is not a class 0-9/);
});

test('rejects corrupt gzip and missing files with the file name', async () => {
  const broken = gzipSync(idxBytes([3], labels));
  broken[broken.length - 6] ^= 0xff; // damage the CRC trailer
  const path = await write('broken.gz', broken);
  await assert.rejects(readIdxFile(path), (e: unknown) => e instanceof DataFormatError && /broken\.gz: corrupt gzip data/.test(e.message));
  await assert.rejects(readIdxFile(join(dir, 'absent')), /absent: file not found/);
});

/** A gzip file whose IDX header promises dims but whose content goes on to inflatedBytes, made as a stream. */
async function gzipBomb(path: string, dims: number[], inflatedBytes: number): Promise<void> {
  const header = idxBytes(dims, new Uint8Array(0));
  const chunk = new Uint8Array(1 << 20);
  async function* content(): AsyncGenerator<Uint8Array> {
    yield header;
    for (let sent = header.length; sent < inflatedBytes; sent += chunk.length) yield chunk;
  }
  await pipeline(Readable.from(content()), createGzip(), createWriteStream(path));
}

test('a gzip file that inflates past its header stops there, in one line', async () => {
  const path = join(dir, 'bomb-small.gz');
  await gzipBomb(path, [3, 2, 2], 4 << 20);
  await assert.rejects(readIdxFile(path), (e: unknown) => e instanceof DataFormatError && e.message === `${path}: inflates past the 28 bytes its header declares`);
});

test('a 60000x28x28 gzip bomb (inflating to 512 MiB) ends the CLI in one line with peak memory under 400 MB', async () => {
  const data = join(dir, 'bomb');
  await mkdir(data);
  const bomb = join(data, 'train-images-idx3-ubyte.gz');
  await gzipBomb(bomb, [60_000, 28, 28], 512 << 20);
  for (const name of ['train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz']) await copyFile(join(MNIST_DIR, name), join(data, name));
  // The child reports its own peak resident memory when it exits.
  const report = "process.on('exit', () => process.stderr.write('maxRSS ' + process.resourceUsage().maxRSS + '\\n'))";
  const run = await runCli(['train', '--data', data, '--epochs', '1', '--no-progress'], { nodeArgs: ['--import', `data:text/javascript,${encodeURIComponent(report)}`] });
  assert.equal(run.code, 1, run.stderr);
  const lines = run.stderr.trim().split('\n');
  assert.equal(lines.length, 2, run.stderr);
  assert.equal(lines[0], `mnist-wasm: ${bomb}: inflates past the 47,040,016 bytes its header declares`);
  const peakMB = Number(/^maxRSS (\d+)$/.exec(lines[1])?.[1]) / 1024;
  assert.ok(peakMB > 0 && peakMB < 400, `peak resident memory ${peakMB.toFixed(0)} MB`);
});

test('read into an engine (byteStore), a dataset is held once: upload copies nothing and training gives the same bits', async () => {
  const run = async (intoEngine: boolean): Promise<{ parameters: Float64Array; grew: number; images: number[] }> => {
    const network = await Network.create({ layers: [784, 16, 10] }, { engine: 'wasm', simd: 'standard', init: { seed: 2 } });
    const { train } = await loadMnist(MNIST_DIR, { trainSize: 2000, store: intoEngine ? network.byteStore : undefined });
    const before = network.memoryBytes;
    const data = network.upload(train);
    const grew = network.memoryBytes - before;
    for (let s = 0; s < 50; s++) network.trainBatch(data, new Uint32Array(10).map((_, i) => (s * 37 + i * 101) % 2000), { eta: 0.5 });
    // Views of a dataset in engine memory stay valid as the memory grows.
    network.upload({ images: new Uint8Array(784 * 20000), labels: new Uint8Array(20000), count: 20000, inputSize: 784 });
    return { parameters: network.getParameters(), grew, images: [...train.images.subarray(0, 784 * 3)] };
  };
  const [stored, copied] = await Promise.all([run(true), run(false)]);
  assert.equal(stored.grew, 0);
  assert.ok(copied.grew >= 2000 * 785);
  assert.deepEqual(stored.images, copied.images);
  assert.deepEqual(stored.parameters, copied.parameters);
});

test('a gzip bomb read into an engine is refused at the size its header declares', async () => {
  const path = join(dir, 'bomb-store.gz');
  await gzipBomb(path, [3, 2, 2], 4 << 20);
  const network = await Network.create({ layers: [4, 2] }, { engine: 'ts' });
  const before = network.memoryBytes;
  await assert.rejects(readIdxFile(path, network.byteStore), (e: unknown) => e instanceof DataFormatError && e.message === `${path}: inflates past the 28 bytes its header declares`);
  assert.ok(network.memoryBytes - before <= 32, `reserved ${network.memoryBytes - before} bytes`);
});
