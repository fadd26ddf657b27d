import { DataFormatError } from '../errors.js';
import type { Dataset } from './dataset.js';

/** An IDX tensor of unsigned bytes: its dimensions and row-major data. */
export interface IdxTensor {
  dims: number[];
  data: Uint8Array;
}

const UNSIGNED_BYTE = 0x08;

/** True when the bytes start with the gzip magic number (1f 8b). */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

export interface IdxHeader {
  dims: number[];
  headerBytes: number;
  /** What the dimensions declare: their product. */
  dataBytes: number;
}

/**
 * Reads the header of an IDX file of unsigned bytes (magic, element type, dimensions). With partial, returns
 * undefined while bytes is shorter than the header (a stream's first bytes); otherwise that is an error.
 */
export function parseIdxHeader(bytes: Uint8Array, file: string, partial = false): IdxHeader | undefined {
  if (bytes.length < 4) {
    if (partial) return undefined;
    throw new DataFormatError(file, `not an IDX file: only ${bytes.length} bytes`);
  }
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    const magic = ((bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3]) >>> 0;
    throw new DataFormatError(file, `not an IDX file: magic number 0x${magic.toString(16).padStart(8, '0')} should start with two zero bytes`);
  }
  if (bytes[2] !== UNSIGNED_BYTE) {
    throw new DataFormatError(file, `IDX element type 0x${bytes[2].toString(16)} is not supported (only unsigned bytes, 0x08)`);
  }
  const rank = bytes[3];
  if (rank < 1 || rank > 4) throw new DataFormatError(file, `IDX file claims ${rank} dimensions (expected 1 to 4)`);
  const headerBytes = 4 + 4 * rank;
  if (bytes.length < headerBytes) {
    if (partial) return undefined;
    throw new DataFormatError(file, `truncated IDX header: ${bytes.length} of ${headerBytes} bytes`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  for (let d = 0; d < rank; d++) dims.push(view.getUint32(4 + 4 * d, false));
  return { dims, headerBytes, dataBytes: dims.reduce((a, b) => a * b, 1) };
}

/** Declared sizes up to this are allocated as soon as the header is read. */
const EXACT_BYTES = 64 * 2 ** 20;

/** The content runs past the size its header declares (header included): a gzip bomb, or trailing data. */
export function inflatesPast(file: string, total: number): DataFormatError {
  return new DataFormatError(file, `inflates past the ${total.toLocaleString('en-US')} bytes its header declares`);
}

/** Refuses a header that declares more than a reader accepts, before anything that size is reserved. */
export function checkDeclaredSize({ dims, headerBytes, dataBytes }: IdxHeader, maxBytes: number, file: string): void {
  const total = headerBytes + dataBytes;
  if (total > maxBytes) {
    throw new DataFormatError(file, `its header declares ${dims.join('x')}: ${total.toLocaleString('en-US')} bytes, more than the ${maxBytes.toLocaleString('en-US')} this reader accepts`);
  }
}

/**
 * Collects a streamed IDX file (inflated chunk by chunk) into one buffer of the size its header declares: push
 * throws as soon as the content runs past that size or the header declares more than maxBytes, so a gzip bomb
 * costs no more memory than an honest file. (readIdxFile with a store inflates into it without this buffer.)
 */
export class IdxCollector {
  private buffer = new Uint8Array(1 << 16);
  private length = 0;
  private total = Infinity;
  private header: IdxHeader | undefined;
  constructor(private readonly file: string, private readonly maxBytes: number) {}

  push(chunk: Uint8Array): void {
    const { file } = this;
    if (this.length + chunk.length > this.total) throw inflatesPast(file, this.total);
    if (this.length + chunk.length > this.buffer.length) this.resize(Math.min(this.total, Math.max(this.length + chunk.length, 2 * this.buffer.length)));
    this.buffer.set(chunk, this.length);
    this.length += chunk.length;
    if (this.header) return;
    this.header = parseIdxHeader(this.buffer.subarray(0, this.length), file, true);
    if (!this.header) return;
    checkDeclaredSize(this.header, this.maxBytes, file);
    this.total = this.header.headerBytes + this.header.dataBytes;
    if (this.length > this.total) throw inflatesPast(file, this.total);
    // Up to 64 MiB, the declared size at once: MNIST's 47 MB are never copied into a grown buffer beside the old
    // one. Past that, buffers grow (never past the declared size) as the content arrives: a header alone costs little.
    this.resize(Math.min(this.total, Math.max(this.buffer.length, EXACT_BYTES)));
  }

  private resize(bytes: number): void {
    const resized = new Uint8Array(bytes);
    resized.set(this.buffer.subarray(0, this.length));
    this.buffer = resized;
  }

  /** The bytes collected so far (the whole file once the stream has ended). */
  bytes(): Uint8Array {
    return this.buffer.subarray(0, this.length);
  }
}

/** Checks that a file of fileBytes holds exactly the tensor its header declares (too short or trailing data: an error). */
export function checkIdxLength({ dims, headerBytes, dataBytes: expected }: IdxHeader, fileBytes: number, file: string): void {
  const actual = fileBytes - headerBytes;
  if (actual < expected) {
    throw new DataFormatError(file, `truncated: dimensions ${dims.join('x')} need ${expected} data bytes, found ${actual}`);
  }
  if (actual > expected) {
    throw new DataFormatError(file, `${actual - expected} bytes of trailing data after the ${dims.join('x')} tensor`);
  }
}

/** Parses an uncompressed IDX file of unsigned bytes, checking magic, dimensions and length. */
export function parseIdx(bytes: Uint8Array, file: string): IdxTensor {
  const header = parseIdxHeader(bytes, file) as IdxHeader;
  checkIdxLength(header, bytes.length, file);
  return { dims: header.dims, data: bytes.subarray(header.headerBytes) };
}

/** Joins an image tensor (count x rows x cols) and a label tensor (count) into a dataset. */
export function idxToDataset(images: IdxTensor, labels: IdxTensor, imagesFile: string, labelsFile: string, classes = 10): Dataset {
  if (images.dims.length !== 3) {
    throw new DataFormatError(imagesFile, `expected an image file with 3 dimensions (count, rows, cols), found ${images.dims.length}`);
  }
  if (labels.dims.length !== 1) {
    throw new DataFormatError(labelsFile, `expected a label file with 1 dimension, found ${labels.dims.length}`);
  }
  const [count, rows, cols] = images.dims;
  if (labels.dims[0] !== count) {
    throw new DataFormatError(labelsFile, `has ${labels.dims[0]} labels but ${imagesFile} has ${count} images`);
  }
  for (let i = 0; i < count; i++) {
    if (labels.data[i] >= classes) throw new DataFormatError(labelsFile, `label ${labels.data[i]} at index ${i} is not a class 0-${classes - 1}`);
  }
  return { images: images.data, labels: labels.data, count, inputSize: rows * cols, source: imagesFile };
}
