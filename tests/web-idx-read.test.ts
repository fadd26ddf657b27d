// The demo's bounded reader of picked and served MNIST files (web/idx-read.ts), in Node (DecompressionStream is global).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { MAX_DATA_FILE_BYTES, readIdxBlob } from '../web/idx-read.js';

/** An IDX header of unsigned bytes with these dimensions, followed by `data` bytes of zeros. */
function idx(dims: number[], data: number): Uint8Array {
  const bytes = new Uint8Array(4 + 4 * dims.length + data);
  const view = new DataView(bytes.buffer);
  bytes[2] = 0x08;
  bytes[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  return bytes;
}

test('an honest gzip IDX file inflates to exactly its bytes, a raw one is read as it is', async () => {
  const file = idx([3, 28, 28], 3 * 784);
  file[16] = 7;
  assert.deepEqual(await readIdxBlob(new Blob([gzipSync(file)]), 'a.gz'), file);
  assert.deepEqual(await readIdxBlob(new Blob([file]), 'a'), file);
});

test('a gzip bomb stops at the size its header declares, with one line naming the file', async () => {
  // Declares 10 images of 28x28 (7,856 bytes) but inflates to 32 MB of zeros (about 32 kB compressed).
  const bomb = gzipSync(idx([10, 28, 28], 32 * 2 ** 20), { level: 9 });
  await assert.rejects(readIdxBlob(new Blob([bomb]), 'train-images-idx3-ubyte.gz'), {
    message: 'train-images-idx3-ubyte.gz: inflates past the 7,856 bytes its header declares',
  });
});

test('a header declaring more than the demo reads, and files too big to be MNIST, are refused', async () => {
  const huge = gzipSync(idx([100_000, 28, 28], 0));
  await assert.rejects(readIdxBlob(new Blob([huge]), 'big.gz'), {
    message: `big.gz: its header declares 100000x28x28: 78,400,016 bytes, more than the ${MAX_DATA_FILE_BYTES.toLocaleString('en-US')} this reader accepts`,
  });
  const tooBig = { size: MAX_DATA_FILE_BYTES + 1 } as Blob; // never read: refused on its size
  await assert.rejects(readIdxBlob(tooBig, 'movie.mkv'), { message: 'movie.mkv: is 64.0 MB; MNIST files are smaller, files over 64 MB are refused' });
});

test('corrupt gzip data is one line naming the file', async () => {
  const broken = gzipSync(idx([2], 2)).subarray(0, 12);
  await assert.rejects(readIdxBlob(new Blob([broken]), 'labels.gz'), (error: Error) => /^labels\.gz: corrupt gzip data \(/.test(error.message));
});
