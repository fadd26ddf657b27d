// Reading a picked or served MNIST file in the tab, bounded before reading and while inflating: a gzip bomb
// or a huge file gets one line in the page instead of exhausting the tab's memory.
import { DataFormatError, IdxCollector, isGzip } from 'mnist-wasm';

/** The largest file read, compressed or raw, and the most an IDX header may declare (MNIST's largest is 47,040,016 bytes). */
export const MAX_DATA_FILE_BYTES = 64 * 2 ** 20;

/** A file's IDX bytes, gunzipped when its content is gzip, never inflated past the size its header declares. */
export async function readIdxBlob(blob: Blob, name: string): Promise<Uint8Array> {
  if (blob.size > MAX_DATA_FILE_BYTES) {
    throw new DataFormatError(name, `is ${(blob.size / 2 ** 20).toFixed(1)} MB; MNIST files are smaller, files over ${MAX_DATA_FILE_BYTES / 2 ** 20} MB are refused`);
  }
  if (!isGzip(new Uint8Array(await blob.slice(0, 2).arrayBuffer()))) return new Uint8Array(await blob.arrayBuffer());
  const collector = new IdxCollector(name, MAX_DATA_FILE_BYTES);
  const reader = blob.stream().pipeThrough(new DecompressionStream('gzip')).getReader();
  try {
    for (let next = await reader.read(); !next.done; next = await reader.read()) collector.push(next.value);
  } catch (error) {
    void reader.cancel().catch(() => undefined); // stop inflating what is left
    if (error instanceof DataFormatError) throw error;
    throw new DataFormatError(name, `corrupt gzip data (${error instanceof Error ? error.message : String(error)})`);
  }
  return collector.bytes();
}
