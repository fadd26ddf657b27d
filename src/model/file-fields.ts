// Readers for the untrusted fields of a model file, shared by its blocks: each bad field ends in one reason, and a
// stored f64 array is checked against the size the layout asks for before anything is made of it.
import { crc32, fromBase64, toBase64 } from '../util/bytes.js';

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** At most 120 printable ASCII characters of a message that may quote the file. */
export function printable(text: string): string {
  const clean = text.replace(/[^\x20-\x7e]/g, '?');
  return clean.length > 120 ? `${clean.slice(0, 120)}...` : clean;
}

/** Reads fields of an untrusted object by our own key names; the first bad one throws with the reason. */
export function fieldReader(record: Record<string, unknown>, fail: (reason: string) => never) {
  const get = (key: string): unknown => (Object.hasOwn(record, key) ? record[key] : undefined);
  return {
    oneOf<T extends string>(key: string, allowed: readonly T[], shown = key): T {
      const value = get(key);
      return typeof value === 'string' && (allowed as readonly string[]).includes(value) ? (value as T) : fail(`"${shown}" must be one of ${allowed.join(', ')}`);
    },
    integer(key: string, min: number, max: number, shown = key): number {
      const value = get(key);
      return Number.isSafeInteger(value) && (value as number) >= min && (value as number) <= max ? (value as number) : fail(`"${shown}" must be an integer from ${min} to ${max}`);
    },
    number(key: string, positive: boolean, shown = key): number {
      const value = get(key);
      const ok = typeof value === 'number' && Number.isFinite(value) && (positive ? value > 0 : value >= 0);
      return ok ? (value as number) : fail(`"${shown}" must be a finite number ${positive ? '> 0' : '>= 0'}`);
    },
    boolean(key: string, shown = key): boolean {
      const value = get(key);
      return typeof value === 'boolean' ? value : fail(`"${shown}" must be true or false`);
    },
    has: (key: string): boolean => get(key) !== undefined && get(key) !== null,
    get,
  };
}

/** A Float64Array as a model file stores it: little-endian bytes in base64, with their count and CRC-32. */
export interface F64Block {
  encoding: 'base64-f64le';
  count: number;
  crc32: number;
  data: string;
}

export function encodeF64(values: Float64Array): F64Block {
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  return { encoding: 'base64-f64le', count: values.length, crc32: crc32(bytes), data: toBase64(bytes) };
}

/**
 * A stored f64 array of exactly `count` finite numbers (`need` says who needs that many): encoding, count, length,
 * checksum and finiteness checked, each failure one reason naming `what` ("parameters", "optimizer moment 1").
 */
export function decodeF64(value: unknown, count: number, what: { plural: string; singular: string; need: string }, fail: (reason: string) => never): Float64Array {
  if (!isRecord(value) || value.encoding !== 'base64-f64le' || typeof value.data !== 'string') {
    return fail(`${what.plural} must be {"encoding": "base64-f64le", "count": N, "crc32": C, "data": "..."}`);
  }
  if (value.count !== count) return fail(`has ${printable(String(value.count))} ${what.plural}; ${what.need} ${count}`);
  // Base64 of count f64 values is 4 * ceil(8 * count / 3) characters: anything longer is refused before decoding.
  if (value.data.length > 4 * Math.ceil((8 * count) / 3) + 4) return fail(`${what.plural}: the data is longer than ${count} numbers`);
  let bytes: Uint8Array;
  try {
    bytes = fromBase64(value.data);
  } catch {
    return fail(`${what.plural}: the data is not valid base64`);
  }
  if (bytes.length !== count * 8) return fail(`${what.plural}: the data holds ${bytes.length} bytes, expected ${count * 8}`);
  if (value.crc32 !== crc32(bytes)) return fail(`${what.plural}: checksum mismatch: the file is corrupted`);
  const values = new Float64Array(bytes.buffer, bytes.byteOffset, count);
  const bad = values.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) return fail(`${what.singular} ${bad} is ${values[bad]}: a model must hold finite numbers`);
  return values;
}
