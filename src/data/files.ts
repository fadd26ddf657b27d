import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { DataFormatError } from '../errors.js';
import { idxToDataset, isGzip, parseIdx } from './idx.js';
import type { IdxTensor } from './idx.js';
import type { Dataset } from './dataset.js';

/** Reads a whole file, turning a missing or unreadable file into a DataFormatError naming it. */
export async function readBytes(file: string): Promise<Uint8Array> {
  try {
    const bytes = await readFile(file);
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength); // a view, not a copy
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a folder, not a file' : `cannot be read (${code ?? String(error)})`;
    throw new DataFormatError(file, why);
  }
}

/** Gunzips when the content says gzip (whatever the name), else returns the bytes as they are. */
export function maybeGunzip(bytes: Uint8Array, file: string): Uint8Array {
  if (!isGzip(bytes)) return bytes;
  try {
    // The gzip trailer gives the size (mod 2^32): one output chunk of that size avoids a second full copy.
    // Deflate cannot expand more than 1032:1, which bounds what a corrupt trailer can make us allocate.
    const size = new DataView(bytes.buffer, bytes.byteOffset + bytes.length - 4, 4).getUint32(0, true);
    const raw = gunzipSync(bytes, { chunkSize: Math.max(64 * 1024, Math.min(size + 1, bytes.length * 1032, 2 ** 30)) });
    return new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);
  } catch (error) {
    throw new DataFormatError(file, `corrupt gzip data (${(error as Error).message})`);
  }
}

/** Reads an IDX file, gzip-compressed or raw (detected by content). */
export async function readIdxFile(file: string): Promise<IdxTensor> {
  return parseIdx(maybeGunzip(await readBytes(file), file), file);
}

/** Reads an image file and its label file into a dataset. */
export async function readIdxDataset(imagesFile: string, labelsFile: string): Promise<Dataset> {
  const [images, labels] = await Promise.all([readIdxFile(imagesFile), readIdxFile(labelsFile)]);
  return idxToDataset(images, labels, imagesFile, labelsFile);
}
