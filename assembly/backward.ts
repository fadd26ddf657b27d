// Backpropagation of the error to a layer's inputs (BP2).
import { RELU } from './constants';
import { madd } from './simd';

/** Backpropagated error (BP2): deltaIn = (deltaOut . weights) * sigma'(z_in), sigma' read from a_in, for the
 *  columns kStart..kEnd of deltaIn (threads split them; slices starting at multiples of 8 give every column
 *  the same sum whatever the split). */
export function denseBackwardInput(
  deltaOut: usize, // (m, nOut)
  m: i32, nOut: i32,
  weights: usize,  // (nOut, nIn)
  nIn: i32,
  inputs: usize,   // (m, nIn) activations of the layer below
  activationIn: i32,
  deltaIn: usize,  // (m, nIn) out
  kStart: i32, kEnd: i32,
): void {
  assert(0 <= kStart && kStart <= kEnd && kEnd <= nIn, 'denseBackwardInput: columns outside the layer');
  const inRow = <usize>nIn << 3;
  const outRow = <usize>nOut << 3;
  const first = <usize>kStart << 3;
  const blockEnd = (<usize>(kStart + ((kEnd - kStart) & ~7))) << 3;
  let e = 0;
  for (; e + 2 <= m; e += 2) {
    const d0 = deltaOut + <usize>e * outRow;
    const d1 = d0 + outRow;
    const r0 = deltaIn + <usize>e * inRow;
    const r1 = r0 + inRow;
    // 2 examples x 8 columns = 8 accumulators, swept down the nOut rows of W.
    for (let k: usize = first; k < blockEnd; k += 64) {
      let a00 = f64x2.splat(0), a01 = f64x2.splat(0), a02 = f64x2.splat(0), a03 = f64x2.splat(0);
      let a10 = f64x2.splat(0), a11 = f64x2.splat(0), a12 = f64x2.splat(0), a13 = f64x2.splat(0);
      let w = weights + k;
      for (let j: usize = 0; j < outRow; j += 8) {
        const g0 = v128.load64_splat(d0 + j), g1 = v128.load64_splat(d1 + j);
        const u0 = v128.load(w), u1 = v128.load(w, 16), u2 = v128.load(w, 32), u3 = v128.load(w, 48);
        a00 = madd(g0, u0, a00); a01 = madd(g0, u1, a01); a02 = madd(g0, u2, a02); a03 = madd(g0, u3, a03);
        a10 = madd(g1, u0, a10); a11 = madd(g1, u1, a11); a12 = madd(g1, u2, a12); a13 = madd(g1, u3, a13);
        w += inRow;
      }
      v128.store(r0 + k, a00); v128.store(r0 + k, a01, 16); v128.store(r0 + k, a02, 32); v128.store(r0 + k, a03, 48);
      v128.store(r1 + k, a10); v128.store(r1 + k, a11, 16); v128.store(r1 + k, a12, 32); v128.store(r1 + k, a13, 48);
    }
  }
  // Leftover columns and the odd example: plain sums.
  for (let r = 0; r < m; r++) {
    const from = r < e ? <i32>(blockEnd >> 3) : kStart;
    const dr = deltaOut + <usize>r * outRow;
    const out = deltaIn + <usize>r * inRow;
    for (let k = from; k < kEnd; k++) {
      let s: f64 = 0;
      for (let j = 0; j < nOut; j++) s += load<f64>(dr + (<usize>j << 3)) * load<f64>(weights + <usize>j * inRow + (<usize>k << 3));
      store<f64>(out + (<usize>k << 3), s);
    }
  }
  // sigma'(z) from the activations, two at a time (the same products as one at a time).
  const one = f64x2.splat(1.0), zero = f64x2.splat(0);
  const pairEnd = (<usize>(kStart + ((kEnd - kStart) & ~1))) << 3;
  for (let r = 0; r < m; r++) {
    const row = <usize>r * inRow;
    for (let p = row + first; p < row + pairEnd; p += 16) {
      const a = v128.load(inputs + p);
      const slope = activationIn == RELU ? v128.bitselect(one, zero, f64x2.gt(a, zero)) : f64x2.mul(a, f64x2.sub(one, a));
      v128.store(deltaIn + p, f64x2.mul(v128.load(deltaIn + p), slope));
    }
    if (pairEnd < (<usize>kEnd << 3)) {
      const p = row + pairEnd;
      const a = load<f64>(inputs + p);
      const slope = activationIn == RELU ? (a > 0 ? 1.0 : 0.0) : a * (1.0 - a);
      store<f64>(deltaIn + p, load<f64>(deltaIn + p) * slope);
    }
  }
}
