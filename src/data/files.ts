import { createReadStream } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { DataFormatError } from '../errors.js';
import { IdxCollector, idxToDataset, isGzip, parseIdx } from './idx.js';
import type { IdxTensor } from './idx.js';
import { storedDataset } from './dataset.js';
import type { ByteStore, Dataset } from './dataset.js';

/** Larger IDX files are refused: engine memory is 2 GiB, and a typed array cannot be much larger. */
export const MAX_IDX_BYTES = 2 ** 31;

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
  const gunzip = createGunzip({ chunkSize: 1 << 16 }).once('error', (error) => (corrupt = error));
  try {
    if (gzip) await pipeline(createReadStream(file), gunzip, consumer);
    else await pipeline(createReadStream(file), consumer);
  } catch (error) {
    if (stopped) throw stopped;
    if (corrupt) throw new DataFormatError(file, `corrupt gzip data (${corrupt.message})`);
    throw readError(file, error);
  }
}

/** An IDX tensor read into a store: `at` is where its data (after the header) starts there. */
export type StoredIdxTensor = IdxTensor & { at?: number };

/** Inflates a gzip IDX file into one buffer (or the store) of the size its header declares, stopping as soon as it runs past. */
async function inflateIdx(file: string, store?: ByteStore): Promise<{ bytes: Uint8Array; at?: number }> {
  const collector = new IdxCollector(file, MAX_IDX_BYTES, store);
  await streamContent(file, (chunk) => collector.push(chunk));
  return { bytes: collector.bytes(), at: collector.offset };
}

/**
 * Reads an IDX file, gzip-compressed or raw (detected by content); gzip is inflated no further than the header
 * declares. With a store, the tensor's data ends up there (gzip: inflated straight in) and `at` says where.
 */
export async function readIdxFile(file: string, store?: ByteStore): Promise<StoredIdxTensor> {
  if (await isGzipFile(file)) {
    const { bytes, at } = await inflateIdx(file, store);
    const tensor = parseIdx(bytes, file);
    return at === undefined ? tensor : { ...tensor, at: at + bytes.length - tensor.data.length };
  }
  const tensor = parseIdx(await readBytes(file), file);
  if (!store) return tensor;
  const at = store.alloc(tensor.data.length);
  store.u8.set(tensor.data, at);
  return { ...tensor, at };
}

/** Reads an image file and its label file into a dataset; with a store, its bytes are held there (and only there). */
export async function readIdxDataset(imagesFile: string, labelsFile: string, store?: ByteStore): Promise<Dataset> {
  const [images, labels] = await Promise.all([readIdxFile(imagesFile, store), readIdxFile(labelsFile)]);
  const dataset = idxToDataset(images, labels, imagesFile, labelsFile);
  if (!store || images.at === undefined) return dataset;
  const labelsAt = store.alloc(dataset.count);
  store.u8.set(labels.data, labelsAt);
  return storedDataset(store, images.at, labelsAt, dataset.count, dataset.inputSize, dataset.source);
}
