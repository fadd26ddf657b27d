// What a training gather does to an example's pixels: an affine map and Simard's elastic field, composed into one
// bilinear sampling of the u8 image, then input dropout. Every number comes from the record's generator streams,
// with +, -, *, / and floor only (sine and cosine are polynomials here), so the TS twin computes the same bits.
import { AUGMENT_AFFINE, AUGMENT_DROPOUT, AUGMENT_ELASTIC, AUGMENT_TAPS } from './constants';
import { nextU32, nextUniform } from './random';

// The augment record (written by src/engine/augment-record.ts), byte offsets: the largest rotation (radians),
// scale, shear and shift, alpha, the kept inputs' scale 1/(1-p) (f64); flags, tap radius, the augment and
// input-dropout generator states, the elastic fields' scratch (4 * n f64), the image width and the dropout
// threshold p * 2^32 (u32); then the 2 * radius + 1 Gaussian taps from AUGMENT_TAPS.
const ROTATE = 0, SCALE = 8, SHEAR = 16, SHIFT = 24, ALPHA = 32, KEEP = 40;
const FLAGS = 48, RADIUS = 52, AUGMENT_STATE = 56, DROPOUT_STATE = 60, FIELDS = 64, WIDTH = 68, THRESHOLD = 72;

/** True when the record asks for a distortion (else the row is gathered as it is). */
// @ts-ignore: decorator
@inline export function distorts(record: usize): bool {
  return (load<u32>(record + FLAGS) & (AUGMENT_AFFINE | AUGMENT_ELASTIC)) != 0;
}

/** True when the record asks for input dropout. */
// @ts-ignore: decorator
@inline export function dropsInputs(record: usize): bool {
  return (load<u32>(record + FLAGS) & AUGMENT_DROPOUT) != 0;
}

/** dst (n f64) = the u8 image at src (width x width) seen through this example's affine map and elastic field. */
export function distortRow(src: usize, dst: usize, n: i32, record: usize): void {
  const flags = load<u32>(record + FLAGS);
  const state = <usize>load<u32>(record + AUGMENT_STATE);
  const w = load<i32>(record + WIDTH);
  const c = (<f64>w - 1.0) * 0.5;
  let m00 = 1.0, m01 = 0.0, m10 = 0.0, m11 = 1.0, tx = 0.0, ty = 0.0;
  if (flags & AUGMENT_AFFINE) {
    // Content moves by p = c + f R(theta) Sh(h) (q - c) + t; each output pixel p samples q = c + M (p - c - t).
    const theta = (nextUniform(state) * 2.0 - 1.0) * load<f64>(record + ROTATE);
    const f = 1.0 + (nextUniform(state) * 2.0 - 1.0) * load<f64>(record + SCALE);
    const h = (nextUniform(state) * 2.0 - 1.0) * load<f64>(record + SHEAR);
    tx = (nextUniform(state) * 2.0 - 1.0) * load<f64>(record + SHIFT);
    ty = (nextUniform(state) * 2.0 - 1.0) * load<f64>(record + SHIFT);
    const cs = cosine(theta), sn = sine(theta), inv = 1.0 / f;
    m00 = (cs - h * sn) * inv; m01 = (-sn - h * cs) * inv; m10 = sn * inv; m11 = cs * inv;
  }
  const elastic = (flags & AUGMENT_ELASTIC) != 0;
  const field = <usize>load<u32>(record + FIELDS);
  const alpha = load<f64>(record + ALPHA);
  if (elastic) elasticField(state, field, w, record);
  for (let y = 0; y < w; y++) {
    for (let x = 0; x < w; x++) {
      const k = y * w + x;
      let dx = 0.0, dy = 0.0;
      if (elastic) {
        dx = alpha * load<f64>(field + (<usize>k << 4));
        dy = alpha * load<f64>(field + (<usize>k << 4), 8);
      }
      const rx = <f64>x + dx - c - tx, ry = <f64>y + dy - c - ty;
      const qx = c + (m00 * rx + m01 * ry), qy = c + (m10 * rx + m11 * ry);
      store<f64>(dst + (<usize>k << 3), bilinear(src, w, qx, qy));
    }
  }
}

/** Zeroes each of the n inputs at dst with probability p (a u32 draw below p * 2^32) and scales the rest by 1/(1-p). */
export function dropRow(dst: usize, n: i32, record: usize): void {
  const state = <usize>load<u32>(record + DROPOUT_STATE);
  const threshold = load<u32>(record + THRESHOLD);
  const keep = load<f64>(record + KEEP);
  for (let k = 0; k < n; k++) {
    const at = dst + (<usize>k << 3);
    store<f64>(at, nextU32(state) < threshold ? 0.0 : load<f64>(at) * keep);
  }
}

// The u8 image at src (w x w, outside it zero) at (qx, qy), bilinear, scaled to [0, 1] as the plain gather scales.
// At whole coordinates it is that pixel exactly (the other weights are zero).
function bilinear(src: usize, w: i32, qx: f64, qy: f64): f64 {
  if (!(qx > -1.0 && qx < <f64>w && qy > -1.0 && qy < <f64>w)) return 0.0;
  const fx0 = Math.floor(qx), fy0 = Math.floor(qy);
  const fx = qx - fx0, fy = qy - fy0, gx = 1.0 - fx, gy = 1.0 - fy;
  const x0 = <i32>fx0, y0 = <i32>fy0;
  return gx * gy * pixel(src, w, x0, y0) + fx * gy * pixel(src, w, x0 + 1, y0) + gx * fy * pixel(src, w, x0, y0 + 1) + fx * fy * pixel(src, w, x0 + 1, y0 + 1);
}

// @ts-ignore: decorator
@inline function pixel(src: usize, w: i32, x: i32, y: i32): f64 {
  return x >= 0 && x < w && y >= 0 && y < w ? <f64>load<u8>(src + <usize>(y * w + x)) * (1.0 / 255.0) : 0.0;
}

// Simard's field at `field` as (dx, dy) f64 pairs: uniform in (-1, 1) from 16 bits each of one draw per pixel,
// smoothed by the record's Gaussian taps along rows, then columns (zero outside), one f64x2 lane per component.
function elasticField(state: usize, field: usize, w: i32, record: usize): void {
  const n = w * w;
  const across = field + (<usize>n << 4);
  for (let k = 0; k < n; k++) {
    const bits = nextU32(state);
    store<f64>(field + (<usize>k << 4), (<f64>(bits >>> 16) + 0.5) * (1.0 / 32768.0) - 1.0);
    store<f64>(field + (<usize>k << 4), (<f64>(bits & 0xffff) + 0.5) * (1.0 / 32768.0) - 1.0, 8);
  }
  const radius = load<i32>(record + RADIUS);
  const taps = record + AUGMENT_TAPS;
  smooth(field, across, w, 1, taps, radius);
  smooth(across, field, w, w, taps, radius);
}

// out = in smoothed along one axis (step 1: rows, step w: columns), taps -radius..radius in order, zero outside.
function smooth(input: usize, out: usize, w: i32, step: i32, taps: usize, radius: i32): void {
  for (let y = 0; y < w; y++) {
    for (let x = 0; x < w; x++) {
      const at = step == 1 ? x : y;
      const lo = at < radius ? -at : -radius, hi = w - 1 - at < radius ? w - 1 - at : radius;
      const k = y * w + x;
      let sum = f64x2.splat(0.0);
      for (let t = lo; t <= hi; t++) {
        const tap = f64x2.splat(load<f64>(taps + (<usize>(t + radius) << 3)));
        sum = f64x2.add(sum, f64x2.mul(tap, v128.load(input + (<usize>(k + t * step) << 4))));
      }
      v128.store(out + (<usize>k << 4), sum);
    }
  }
}

// sin and cos for |x| <= pi by their Taylor series to x^27 and x^28 (error below 1e-16 there), in nested form.
function sine(x: f64): f64 {
  const x2 = x * x;
  let s = 1.0;
  for (let k = 13; k >= 1; k--) s = 1.0 - x2 / <f64>(2 * k * (2 * k + 1)) * s;
  return x * s;
}

function cosine(x: f64): f64 {
  const x2 = x * x;
  let s = 1.0;
  for (let k = 14; k >= 1; k--) s = 1.0 - x2 / <f64>((2 * k - 1) * 2 * k) * s;
  return s;
}
