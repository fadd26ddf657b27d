import { createReadStream } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { DataFormatError } from '../errors.js';
import { checkDeclaredSize, checkIdxLength, IdxCollector, idxToDataset, inflatesPast, isGzip, parseIdx, parseIdxHeader } from './idx.js';
import type { IdxHeader, IdxTensor } from './idx.js';
import { GzipFile } from './gzip-file.js';
import { storedDataset } from './dataset.js';
import type { ByteStore, Dataset } from './dataset.js';

/** Larger IDX files are refused: engine memory is 2 GiB, and a typed array cannot be much larger. */
export const MAX_IDX_BYTES = 2 ** 31;

/**
 * Bytes read and inflated per chunk by Node's streams. Every chunk is a new buffer that lives until the next
 * garbage collection: at 64 KiB, reading MNIST left about 20 MB of freed memory resident; at 16 KiB, about half.
 * (Into a store, GzipFile inflates with no chunk buffers at all.)
 */
const CHUNK_BYTES = 1 << 14;

function readError(file: string, error: unknown): DataFormatError {
  const code = (error as NodeJS.ErrnoException).code;
  const why = code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a folder, not a file' : `cannot be read (${code ?? String(error)})`;
  return new DataFormatError(file, why);
}

/** Reads a whole file, turning a missing or unreadable file into a DataFormatError naming it. */
export async function readBytes(file: string): Promise<Uint8Array> {
  try {
    const bytes = await readFile(file);
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength); // a view, not a copy
  } catch (error) {
    throw readError(file, error);
  }
}

/** True when the file starts with the gzip magic number, whatever its name. */
export async function isGzipFile(file: string): Promise<boolean> {
  try {
    const handle = await open(file);
    try {
      const { bytesRead, buffer } = await handle.read(new Uint8Array(2), 0, 2, 0);
      return isGzip(buffer.subarray(0, bytesRead));
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw readError(file, error);
  }
}

/**
 * Streams a file's content chunk by chunk, gunzipped when it is gzip. consume may throw to stop early (a
 * size limit): nothing beyond the current chunk is inflated, so memory stays what the consumer keeps.
 */
export async function streamContent(file: string, consume: (chunk: Uint8Array) => void): Promise<void> {
  const gzip = await isGzipFile(file);
  let stopped: unknown; // what consume threw: pipeline reports it as an AbortError of its own
  const consumer = async (chunks: AsyncIterable<Buffer>): Promise<void> => {
    for await (const chunk of chunks) {
      try {
        consume(chunk);
      } catch (error) {
        stopped = error; // only consume's own errors: a zlib error also surfaces in this loop
        throw error;
      }
    }
  };
  let corrupt: Error | undefined;
  const gunzip = createGunzip({ chunkSize: CHUNK_BYTES }).once('error', (error) => (corrupt = error));
  try {
    const chunks = createReadStream(file, { highWaterMark: CHUNK_BYTES });
    if (gzip) await pipeline(chunks, gunzip, consumer);
    else await pipeline(chunks, consumer);
  } catch (error) {
    if (stopped) throw stopped;
    if (corrupt) throw new DataFormatError(file, `corrupt gzip data (${corrupt.message})`);
    throw readError(file, error);
  }
}

/** An IDX tensor read into a store: `at` is where its data (after the header) starts there. */
export type StoredIdxTensor = IdxTensor & { at?: number };

/** Inflates a gzip IDX file into one buffer of the size its header declares, stopping as soon as it runs past. */
async function inflateIdx(file: string): Promise<Uint8Array> {
  const collector = new IdxCollector(file, MAX_IDX_BYTES);
  await streamContent(file, (chunk) => collector.push(chunk));
  return collector.bytes();
}

/** The largest IDX header: the magic number and four dimensions. */
const MAX_HEADER_BYTES = 20;
/** Raw files are read into a store in reads of this size (straight in: no buffer is allocated for them). */
const RAW_READ_BYTES = 1 << 22;

/** Reads a raw IDX file's data straight into the store, once its size matches what the header declares. */
async function readRawInto(file: string, store: ByteStore): Promise<StoredIdxTensor> {
  const handle = await open(file).catch((error: unknown) => Promise.reject(readError(file, error)));
  try {
    const { size } = await handle.stat();
    const head = new Uint8Array(Math.min(size, MAX_HEADER_BYTES));
    await handle.read(head, 0, head.length, 0);
    const header = parseIdxHeader(head, file) as IdxHeader;
    checkIdxLength(header, size, file);
    const at = store.alloc(header.dataBytes);
    for (let done = 0; done < header.dataBytes;) {
      // The view is taken anew for every read: the store's memory may have grown meanwhile.
      const { bytesRead } = await handle.read(store.u8, at + done, Math.min(RAW_READ_BYTES, header.dataBytes - done), header.headerBytes + done);
      if (bytesRead === 0) throw new DataFormatError(file, `shrank to ${header.headerBytes + done} bytes while it was read`);
      done += bytesRead;
    }
    return { dims: header.dims, data: store.u8.subarray(at, at + header.dataBytes), at };
  } catch (error) {
    throw error instanceof DataFormatError ? error : readError(file, error);
  } finally {
    await handle.close();
  }
}

/**
 * Inflates a gzip IDX file's data straight into the store: the header into a few bytes of its own, then the data
 * into the size it declares, reserved then; one byte more is a gzip bomb and ends it, in IdxCollector's words.
 */
async function inflateInto(file: string, store: ByteStore): Promise<StoredIdxTensor> {
  const gzip = await GzipFile.open(file).catch((error: unknown) => Promise.reject(readError(file, error)));
  try {
    const head = new Uint8Array(MAX_HEADER_BYTES);
    let got = await gzip.read(() => head, 0, 4);
    const rank = got === 4 && parseIdxHeader(head.subarray(0, 4), file, true) === undefined ? head[3] : 0;
    got += await gzip.read(() => head, got, 4 * rank);
    const header = parseIdxHeader(head.subarray(0, got), file) as IdxHeader;
    checkDeclaredSize(header, MAX_IDX_BYTES, file);
    const at = store.alloc(header.dataBytes);
    const data = await gzip.read(() => store.u8, at, header.dataBytes);
    if (data < header.dataBytes) checkIdxLength(header, header.headerBytes + data, file);
    if ((await gzip.read(() => head, 0, 1)) > 0) throw inflatesPast(file, header.headerBytes + header.dataBytes);
    return { dims: header.dims, data: store.u8.subarray(at, at + header.dataBytes), at };
  } catch (error) {
    throw error instanceof DataFormatError ? error : readError(file, error);
  } finally {
    await gzip.close();
  }
}

/**
 * Reads an IDX file, gzip-compressed or raw (detected by content); gzip is inflated no further than the header
 * declares. With a store, the tensor's data is read or inflated straight in, `at` says where, and `data` is a view
 * of the store that goes stale when the store grows.
 */
export async function readIdxFile(file: string, store?: ByteStore): Promise<StoredIdxTensor> {
  const gzip = await isGzipFile(file);
  if (store) return gzip ? inflateInto(file, store) : readRawInto(file, store);
  return parseIdx(gzip ? await inflateIdx(file) : await readBytes(file), file);
}

/**
 * Reads an image file and its label file into a dataset; with a store, their bytes are held there (and only there),
 * read one after the other: nothing is then held beside them, and no view goes stale while the other file is read.
 */
export async function readIdxDataset(imagesFile: string, labelsFile: string, store?: ByteStore): Promise<Dataset> {
  if (!store) {
    const [images, labels] = await Promise.all([readIdxFile(imagesFile), readIdxFile(labelsFile)]);
    return idxToDataset(images, labels, imagesFile, labelsFile);
  }
  const images = await readIdxFile(imagesFile, store);
  const labels = await readIdxFile(labelsFile, store);
  // Views made now: the labels' allocation may have grown the store, and a view of its old memory reads as empty.
  const inStore = ({ dims, at }: StoredIdxTensor): IdxTensor => ({ dims, data: store.u8.subarray(at, (at as number) + dims.reduce((a, b) => a * b, 1)) });
  const dataset = idxToDataset(inStore(images), inStore(labels), imagesFile, labelsFile);
  return storedDataset(store, images.at as number, labels.at as number, dataset.count, dataset.inputSize, dataset.source);
}
