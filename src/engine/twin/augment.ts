// What a training gather does to an example's pixels. Mirrors assembly/augment.ts operation for operation (the
// same order of every + and *, the same polynomial sine and cosine), so the bytes are the core's.
import type { Arena } from '../arena.js';
import { RECORD, scratchLayout } from '../augment-record.js';
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
  const radius = u32[(record + RECORD.RADIUS) >> 2];
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
  const scratch = u32[(record + RECORD.FIELDS) >> 2];
  const layout = scratchLayout(w, radius);
  const field = (scratch + layout.smoothed) >> 2, image = (scratch + layout.image) >> 3;
  const f32 = new Float32Array(arena.buffer);
  const alpha = f64[(record + RECORD.ALPHA) >> 3];
  if (elastic) elasticField(arena, state, scratch, w, radius, (record + AUGMENT_TAPS) >> 3);
  const stride = w + 2;
  for (let y = 0; y < w; y++) {
    for (let x = 0; x < w; x++) f64[image + (y + 1) * stride + x + 1] = arena.u8[src + y * w + x] * (1 / 255);
  }
  for (let y = 0; y < w; y++) {
    for (let x = 0; x < w; x++) {
      const k = y * w + x;
      let dx = 0, dy = 0;
      if (elastic) {
        dx = alpha * f32[field + 2 * k];
        dy = alpha * f32[field + 2 * k + 1];
      }
      const rx = x + dx - c - tx, ry = y + dy - c - ty;
      const qx = c + (m00 * rx + m01 * ry), qy = c + (m10 * rx + m11 * ry);
      let v = 0;
      if (qx > -1 && qx < w && qy > -1 && qy < w) {
        const fx0 = Math.floor(qx), fy0 = Math.floor(qy);
        const fx = qx - fx0, fy = qy - fy0, gx = 1 - fx, gy = 1 - fy;
        const at = image + (fy0 + 1) * stride + fx0 + 1;
        v = gx * gy * f64[at] + fx * gy * f64[at + 1] + gx * fy * f64[at + stride] + fx * fy * f64[at + stride + 1];
      }
      f64[(dst >> 3) + k] = v;
    }
  }
}

/** Zeroes each non-zero input with probability p (a u32 draw below p * 2^32) and scales the kept ones by 1/(1-p); zeros take no draw. */
export function dropRow(arena: Arena, dst: number, n: number, record: number): void {
  const { f64, u32 } = arena;
  const state = u32[(record + RECORD.DROPOUT_STATE) >> 2];
  const threshold = u32[(record + RECORD.THRESHOLD) >> 2];
  const keep = f64[(record + RECORD.KEEP) >> 3];
  for (let k = 0; k < n; k++) {
    const at = (dst >> 3) + k;
    const value = f64[at];
    if (value !== 0) f64[at] = nextU32(u32, state) < threshold ? 0 : value * keep;
  }
}

// Simard's field: the noise into the padded rows, smoothed along rows, then columns (the pads are zeros), in f32
// as the core (every product and sum rounded to f32: through f64, which rounds the same).
function elasticField(arena: Arena, state: number, scratch: number, w: number, radius: number, taps: number): void {
  const f32 = new Float32Array(arena.buffer);
  const padded = w + 2 * radius;
  for (let y = 0; y < w; y++) {
    for (let x = 0; x < w; x++) {
      const bits = nextU32(arena.u32, state);
      const at = (scratch >> 2) + 2 * (y * padded + radius + x);
      f32[at] = ((bits >>> 16) + 0.5) * (1 / 32768) - 1;
      f32[at + 1] = ((bits & 0xffff) + 0.5) * (1 / 32768) - 1;
    }
  }
  const layout = scratchLayout(w, radius);
  const across = (scratch + layout.across) >> 2, line = 2 * w, count = 2 * radius + 1;
  smoothLines(f32, arena.f64, scratch >> 2, 2 * padded, 2, across + radius * line, line, w, taps, count);
  smoothLines(f32, arena.f64, across, line, line, (scratch + layout.smoothed) >> 2, line, w, taps, count);
}

// out[y][x] = sum over taps t in order of tap[t] * input[y][x + t], t stepping tapStride f32s (f32 indices).
function smoothLines(f32: Float32Array, f64: Float64Array, input: number, inLine: number, tapStride: number, out: number, outLine: number, w: number, taps: number, count: number): void {
  const round = Math.fround;
  for (let y = 0; y < w; y++) {
    for (let x = 0; x < w; x++) {
      let sumX = 0, sumY = 0;
      let at = input + y * inLine + 2 * x;
      for (let t = 0; t < count; t++) {
        const tap = f64[taps + t];
        sumX = round(sumX + round(tap * f32[at]));
        sumY = round(sumY + round(tap * f32[at + 1]));
        at += tapStride;
      }
      f32[out + y * outLine + 2 * x] = sumX;
      f32[out + y * outLine + 2 * x + 1] = sumY;
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
