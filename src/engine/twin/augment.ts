// What a training gather does to an example's pixels. Mirrors assembly/augment.ts operation for operation (the
// same order of every + and *, the same polynomial sine and cosine), so the bytes are the core's.
import type { Arena } from '../arena.js';
import { RECORD } from '../augment-record.js';
import { CORE_CONSTANTS } from '../contract.js';
import { nextU32, nextUniform } from './random.js';

const { AUGMENT_AFFINE, AUGMENT_ELASTIC, AUGMENT_DROPOUT, AUGMENT_TAPS } = CORE_CONSTANTS;

export function distorts(arena: Arena, record: number): boolean {
  return (arena.u32[(record + RECORD.FLAGS) >> 2] & (AUGMENT_AFFINE | AUGMENT_ELASTIC)) !== 0;
}

export function dropsInputs(arena: Arena, record: number): boolean {
  return (arena.u32[(record + RECORD.FLAGS) >> 2] & AUGMENT_DROPOUT) !== 0;
}

/** dst (n f64) = the u8 image at src seen through this example's affine map and elastic field. */
export function distortRow(arena: Arena, src: number, dst: number, record: number): void {
  const { f64, u32 } = arena;
  const flags = u32[(record + RECORD.FLAGS) >> 2];
  const state = u32[(record + RECORD.AUGMENT_STATE) >> 2];
  const w = u32[(record + RECORD.WIDTH) >> 2];
  const c = (w - 1) * 0.5;
  let m00 = 1, m01 = 0, m10 = 0, m11 = 1, tx = 0, ty = 0;
  if (flags & AUGMENT_AFFINE) {
    const theta = (nextUniform(u32, state) * 2 - 1) * f64[(record + RECORD.ROTATE) >> 3];
    const f = 1 + (nextUniform(u32, state) * 2 - 1) * f64[(record + RECORD.SCALE) >> 3];
    const h = (nextUniform(u32, state) * 2 - 1) * f64[(record + RECORD.SHEAR) >> 3];
    tx = (nextUniform(u32, state) * 2 - 1) * f64[(record + RECORD.SHIFT) >> 3];
    ty = (nextUniform(u32, state) * 2 - 1) * f64[(record + RECORD.SHIFT) >> 3];
    const cs = cosine(theta), sn = sine(theta), inv = 1 / f;
    m00 = (cs - h * sn) * inv; m01 = (-sn - h * cs) * inv; m10 = sn * inv; m11 = cs * inv;
  }
  const elastic = (flags & AUGMENT_ELASTIC) !== 0;
  const field = u32[(record + RECORD.FIELDS) >> 2] >> 3;
  const alpha = f64[(record + RECORD.ALPHA) >> 3];
  if (elastic) elasticField(arena, state, field, w, record);
  for (let y = 0; y < w; y++) {
    for (let x = 0; x < w; x++) {
      const k = y * w + x;
      let dx = 0, dy = 0;
      if (elastic) {
        dx = alpha * f64[field + 2 * k];
        dy = alpha * f64[field + 2 * k + 1];
      }
      const rx = x + dx - c - tx, ry = y + dy - c - ty;
      const qx = c + (m00 * rx + m01 * ry), qy = c + (m10 * rx + m11 * ry);
      f64[(dst >> 3) + k] = bilinear(arena.u8, src, w, qx, qy);
    }
  }
}

/** Zeroes each input with probability p (a u32 draw below p * 2^32) and scales the rest by 1/(1-p). */
export function dropRow(arena: Arena, dst: number, n: number, record: number): void {
  const { f64, u32 } = arena;
  const state = u32[(record + RECORD.DROPOUT_STATE) >> 2];
  const threshold = u32[(record + RECORD.THRESHOLD) >> 2];
  const keep = f64[(record + RECORD.KEEP) >> 3];
  for (let k = 0; k < n; k++) {
    const at = (dst >> 3) + k;
    f64[at] = nextU32(u32, state) < threshold ? 0 : f64[at] * keep;
  }
}

function bilinear(u8: Uint8Array, src: number, w: number, qx: number, qy: number): number {
  if (!(qx > -1 && qx < w && qy > -1 && qy < w)) return 0;
  const fx0 = Math.floor(qx), fy0 = Math.floor(qy);
  const fx = qx - fx0, fy = qy - fy0, gx = 1 - fx, gy = 1 - fy;
  const pixel = (x: number, y: number): number => (x >= 0 && x < w && y >= 0 && y < w ? u8[src + y * w + x] * (1 / 255) : 0);
  return gx * gy * pixel(fx0, fy0) + fx * gy * pixel(fx0 + 1, fy0) + gx * fy * pixel(fx0, fy0 + 1) + fx * fy * pixel(fx0 + 1, fy0 + 1);
}

// Simard's field at f64 index `field` as (dx, dy) pairs, smoothed along rows, then columns.
function elasticField(arena: Arena, state: number, field: number, w: number, record: number): void {
  const { f64, u32 } = arena;
  const n = w * w;
  const across = field + 2 * n;
  for (let k = 0; k < n; k++) {
    const bits = nextU32(u32, state);
    f64[field + 2 * k] = ((bits >>> 16) + 0.5) * (1 / 32768) - 1;
    f64[field + 2 * k + 1] = ((bits & 0xffff) + 0.5) * (1 / 32768) - 1;
  }
  const radius = u32[(record + RECORD.RADIUS) >> 2];
  const taps = (record + AUGMENT_TAPS) >> 3;
  smooth(f64, field, across, w, 1, taps, radius);
  smooth(f64, across, field, w, w, taps, radius);
}

function smooth(f64: Float64Array, input: number, out: number, w: number, step: number, taps: number, radius: number): void {
  for (let y = 0; y < w; y++) {
    for (let x = 0; x < w; x++) {
      const at = step === 1 ? x : y;
      const lo = at < radius ? -at : -radius, hi = w - 1 - at < radius ? w - 1 - at : radius;
      const k = y * w + x;
      let sumX = 0, sumY = 0;
      for (let t = lo; t <= hi; t++) {
        const tap = f64[taps + t + radius];
        sumX = sumX + tap * f64[input + 2 * (k + t * step)];
        sumY = sumY + tap * f64[input + 2 * (k + t * step) + 1];
      }
      f64[out + 2 * k] = sumX;
      f64[out + 2 * k + 1] = sumY;
    }
  }
}

function sine(x: number): number {
  const x2 = x * x;
  let s = 1;
  for (let k = 13; k >= 1; k--) s = 1 - (x2 / (2 * k * (2 * k + 1))) * s;
  return x * s;
}

function cosine(x: number): number {
  const x2 = x * x;
  let s = 1;
  for (let k = 14; k >= 1; k--) s = 1 - (x2 / ((2 * k - 1) * 2 * k)) * s;
  return s;
}
