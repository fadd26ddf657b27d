// What a training gather does to an example's pixels: an affine map and Simard's elastic field, composed into one
// bilinear sampling of the u8 image, then input dropout. Every number comes from the record's generator streams,
// with +, -, *, / and floor only (sine and cosine are polynomials here), so the TS twin computes the same bits.
import { AUGMENT_AFFINE, AUGMENT_DROPOUT, AUGMENT_ELASTIC, AUGMENT_TAPS } from './constants';
import { nextU32, nextUniform } from './random';

// The augment record (written by src/engine/augment-record.ts), byte offsets: the largest rotation (radians),
// scale, shear and shift, alpha, the kept inputs' scale 1/(1-p) (f64); flags, tap radius, the augment and
// input-dropout generator states, the scratch (scratchLayout in src/engine/augment-record.ts), the image width and the dropout
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
  const radius = load<i32>(record + RADIUS);
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
  const scratch = <usize>load<u32>(record + FIELDS);
  const field = smoothedAt(scratch, w, radius), image = imageAt(scratch, w, radius);
  const alpha = load<f64>(record + ALPHA);
  if (elastic) elasticField(state, scratch, w, radius, record + AUGMENT_TAPS);
  padImage(src, image, w);
  const stride = w + 2;
  for (let y = 0; y < w; y++) {
    for (let x = 0; x < w; x++) {
      const k = y * w + x;
      let dx = 0.0, dy = 0.0;
      if (elastic) {
        dx = alpha * <f64>load<f32>(field + (<usize>k << 3));
        dy = alpha * <f64>load<f32>(field + (<usize>k << 3), 4);
      }
      const rx = <f64>x + dx - c - tx, ry = <f64>y + dy - c - ty;
      const qx = c + (m00 * rx + m01 * ry), qy = c + (m10 * rx + m11 * ry);
      let v = 0.0;
      // Bilinear in the image with a one-pixel border of zeros; at whole coordinates it is that pixel exactly.
      // Lanes (x, y), then (left, right) weights times two neighbours a load: the twin's products, summed in its order.
      if (qx > -1.0 && qx < <f64>w && qy > -1.0 && qy < <f64>w) {
        const q = f64x2.replace_lane(f64x2.splat(qx), 1, qy);
        const whole = f64x2.floor(q);
        const f = f64x2.sub(q, whole), g = f64x2.sub(f64x2.splat(1.0), f);
        const across = v128.shuffle<f64>(g, f, 0, 2); // (gx, fx)
        const at = image + (<usize>((<i32>f64x2.extract_lane(whole, 1) + 1) * stride + <i32>f64x2.extract_lane(whole, 0) + 1) << 3);
        const top = f64x2.mul(f64x2.mul(across, v128.shuffle<f64>(g, g, 1, 1)), v128.load(at));
        const bottom = f64x2.mul(f64x2.mul(across, v128.shuffle<f64>(f, f, 1, 1)), v128.load(at + (<usize>stride << 3)));
        v = f64x2.extract_lane(top, 0) + f64x2.extract_lane(top, 1) + f64x2.extract_lane(bottom, 0) + f64x2.extract_lane(bottom, 1);
      }
      store<f64>(dst + (<usize>k << 3), v);
    }
  }
}

// The scratch: the noise (w rows, padded by radius zeros each side), the rows smoothed (padded by radius rows of
// zeros above and below), the smoothed field (w x w), all (dx, dy) f32 pairs; the f64 image with a border of zeros.
// The pads are never written, so they stay the zeros of fresh memory.
// @ts-ignore: decorator
@inline function acrossAt(scratch: usize, w: i32, radius: i32): usize {
  return scratch + (<usize>(w * (w + 2 * radius)) << 3);
}
// @ts-ignore: decorator
@inline function smoothedAt(scratch: usize, w: i32, radius: i32): usize {
  return scratch + (<usize>(2 * w * (w + 2 * radius)) << 3);
}
// @ts-ignore: decorator
@inline function imageAt(scratch: usize, w: i32, radius: i32): usize {
  return smoothedAt(scratch, w, radius) + (<usize>(w * w) << 3);
}

// The u8 image scaled to [0, 1] as the plain gather scales, inside the border.
function padImage(src: usize, image: usize, w: i32): void {
  for (let y = 0; y < w; y++) {
    for (let x = 0; x < w; x++) store<f64>(image + (<usize>((y + 1) * (w + 2) + x + 1) << 3), <f64>load<u8>(src + <usize>(y * w + x)) * (1.0 / 255.0));
  }
}

/**
 * Zeroes each non-zero input at dst with probability p (a u32 draw below p * 2^32) and scales the kept ones by
 * 1/(1-p). A zero input stays zero either way, so it takes no draw: about a fifth of the pixels of a digit do.
 */
export function dropRow(dst: usize, n: i32, record: usize): void {
  const state = <usize>load<u32>(record + DROPOUT_STATE);
  const threshold = load<u32>(record + THRESHOLD);
  const keep = load<f64>(record + KEEP);
  for (let k = 0; k < n; k++) {
    const at = dst + (<usize>k << 3);
    const value = load<f64>(at);
    if (value != 0.0) store<f64>(at, nextU32(state) < threshold ? 0.0 : value * keep);
  }
}

// Simard's field: uniform in (-1, 1) from 16 bits each of one draw per pixel (exact in f32), smoothed by the
// Gaussian taps along rows, then columns (zero outside: the pads), in f32: (dx, dy) of two pixels per f32x4.
function elasticField(state: usize, scratch: usize, w: i32, radius: i32, taps: usize): void {
  const padded = w + 2 * radius;
  let s0 = load<u32>(state), s1 = load<u32>(state, 4), s2 = load<u32>(state, 8), s3 = load<u32>(state, 12);
  for (let y = 0; y < w; y++) {
    for (let x = 0; x < w; x++) {
      const bits = rotl<u32>(s1 * 5, 7) * 9; // nextU32, with the state in locals (stored back once)
      const t = s1 << 9;
      s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = rotl<u32>(s3, 11);
      const at = scratch + (<usize>(y * padded + radius + x) << 3);
      store<f32>(at, <f32>((<f64>(bits >>> 16) + 0.5) * (1.0 / 32768.0) - 1.0));
      store<f32>(at, <f32>((<f64>(bits & 0xffff) + 0.5) * (1.0 / 32768.0) - 1.0), 4);
    }
  }
  store<u32>(state, s0); store<u32>(state, s1, 4); store<u32>(state, s2, 8); store<u32>(state, s3, 12);
  const across = acrossAt(scratch, w, radius), line = <usize>w << 3, count = 2 * radius + 1;
  smoothLines(scratch, <usize>padded << 3, 8, across + <usize>radius * line, line, w, taps, count);
  smoothLines(across, line, line, smoothedAt(scratch, w, radius), line, w, taps, count);
}

// w lines of w outputs: out[y][x] = sum over taps t in order of tap[t] * input[y][x + t] (t steps tapStride bytes:
// along the line, or across lines). Taps that only reach the pads' zeros for every output of a group are skipped,
// and the others add the zeros, which leaves every sum as the twin's. Eight outputs at a time, so four sums are in
// flight instead of one chain.
function smoothLines(input: usize, inLine: usize, tapStride: usize, out: usize, outLine: usize, w: i32, taps: usize, count: i32): void {
  const along = tapStride == 8, radius = count >> 1;
  for (let y = 0; y < w; y++) {
    const from = input + <usize>y * inLine, to = out + <usize>y * outLine;
    // The taps that reach the image: across lines, those of line y; along a line, those of the group's outputs.
    const lineLo = along ? 0 : max(0, radius - y), lineHi = along ? count - 1 : min(count - 1, radius + w - 1 - y);
    let x = 0;
    for (; x + 8 <= w; x += 8) {
      const lo = along ? max(0, radius - x - 7) : lineLo, hi = along ? min(count - 1, radius + w - 1 - x) : lineHi;
      let s0 = f32x4.splat(0.0), s1 = s0, s2 = s0, s3 = s0;
      let at = from + (<usize>x << 3) + <usize>lo * tapStride;
      for (let t = lo; t <= hi; t++) {
        const tap = f32x4.splat(<f32>load<f64>(taps + (<usize>t << 3)));
        s0 = f32x4.add(s0, f32x4.mul(tap, v128.load(at)));
        s1 = f32x4.add(s1, f32x4.mul(tap, v128.load(at, 16)));
        s2 = f32x4.add(s2, f32x4.mul(tap, v128.load(at, 32)));
        s3 = f32x4.add(s3, f32x4.mul(tap, v128.load(at, 48)));
        at += tapStride;
      }
      const o = to + (<usize>x << 3);
      v128.store(o, s0); v128.store(o, s1, 16); v128.store(o, s2, 32); v128.store(o, s3, 48);
    }
    for (; x < w; x++) {
      const lo = along ? max(0, radius - x) : lineLo, hi = along ? min(count - 1, radius + w - 1 - x) : lineHi;
      let sum = f32x4.splat(0.0);
      let at = from + (<usize>x << 3) + <usize>lo * tapStride;
      for (let t = lo; t <= hi; t++) {
        sum = f32x4.add(sum, f32x4.mul(f32x4.splat(<f32>load<f64>(taps + (<usize>t << 3))), v128.load64_zero(at)));
        at += tapStride;
      }
      v128.store64_lane(to + (<usize>x << 3), sum, 0);
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
