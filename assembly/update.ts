// The weight update: target = decay * target + delta^T . inputs (BP4) and the bias sums (BP3), fused into SGD.
import { LIST_HEADER, MASK_EXAMPLES } from './constants';
import { madd } from './simd';

/** The update of denseAccumulate for the target columns kStart..kEnd of every row (threads split the columns of
 *  a layer whose input rows they own): target = decay * target + delta^T . inputs there; the biases take the
 *  column sums of delta in the slice with kStart 0. The same arithmetic as denseAccumulate's register tiles. */
export function accumulateColumns(
  delta: usize,   // (m, nOut)
  inputs: usize,  // (m, nIn)
  m: i32, nOut: i32, nIn: i32,
  target: usize,  // (nOut, nIn)
  targetBiases: usize, // (nOut)
  decay: f64,
  kStart: i32, kEnd: i32,
): void {
  assert(0 <= kStart && kStart <= kEnd && kEnd <= nIn, 'accumulateColumns: columns outside the layer');
  const inRow = <usize>nIn << 3;
  const outRow = <usize>nOut << 3;
  const exEnd = <usize>m * outRow;
  const keep = f64x2.splat(decay);
  const first = <usize>kStart << 3;
  const pairEnd = (<usize>(kStart + ((kEnd - kStart) & ~1))) << 3;
  for (let r = 0; r < nOut; r++) {
    const t = target + <usize>r * inRow;
    const dr = delta + (<usize>r << 3);
    // 8 columns = 4 accumulators per sweep of the examples.
    let k = first;
    for (; k + 64 <= pairEnd; k += 64) {
      let a0 = f64x2.splat(0), a1 = f64x2.splat(0), a2 = f64x2.splat(0), a3 = f64x2.splat(0);
      let x = inputs + k;
      for (let d = dr; d < dr + exEnd; d += outRow) {
        const g = v128.load64_splat(d);
        a0 = madd(g, v128.load(x), a0); a1 = madd(g, v128.load(x, 16), a1);
        a2 = madd(g, v128.load(x, 32), a2); a3 = madd(g, v128.load(x, 48), a3);
        x += inRow;
      }
      v128.store(t + k, finish(keep, decay, v128.load(t + k), a0)); v128.store(t + k, finish(keep, decay, v128.load(t + k, 16), a1), 16);
      v128.store(t + k, finish(keep, decay, v128.load(t + k, 32), a2), 32); v128.store(t + k, finish(keep, decay, v128.load(t + k, 48), a3), 48);
    }
    for (; k < pairEnd; k += 16) {
      let a0 = f64x2.splat(0);
      let x = inputs + k;
      for (let d = dr; d < dr + exEnd; d += outRow) {
        a0 = madd(v128.load64_splat(d), v128.load(x), a0);
        x += inRow;
      }
      v128.store(t + k, finish(keep, decay, v128.load(t + k), a0));
    }
    if (pairEnd < (<usize>kEnd << 3)) {
      let s: f64 = 0;
      for (let e = 0; e < m; e++) s += load<f64>(dr + <usize>e * outRow) * load<f64>(inputs + <usize>e * inRow + pairEnd);
      store<f64>(t + pairEnd, decay * load<f64>(t + pairEnd) + s);
    }
  }
  if (kStart == 0) addColumnSums(delta, m, nOut, targetBiases, 0, nOut);
}

// biases[r] += sum over the m examples of delta[e][r], for r in rStart..rEnd (BP3).
function addColumnSums(delta: usize, m: i32, nOut: i32, biases: usize, rStart: i32, rEnd: i32): void {
  const outRow = <usize>nOut << 3;
  for (let r = rStart; r < rEnd; r++) {
    let s: f64 = 0;
    for (let e = 0; e < m; e++) s += load<f64>(delta + <usize>e * outRow + (<usize>r << 3));
    const p = biases + (<usize>r << 3);
    store<f64>(p, load<f64>(p) + s);
  }
}

// decay * target + sum: every update kernel finishes a sum this way.
// @ts-ignore: decorator
@inline function finish(keep: v128, decay: f64, target: v128, sum: v128): v128 {
  return decay != 1.0 ? madd(keep, target, sum) : f64x2.add(sum, target);
}

/** target = decay * target + delta^T . inputs (BP4), targetBiases += column sums of delta (BP3).
 *  With delta pre-scaled by -eta/m this is the SGD step itself; with decay 1 it accumulates a gradient.
 *  The product runs over the blocks of a list of 4-column blocks and, when masked, only over the examples
 *  with ink in each block; elsewhere the inputs are zero, so there only the decay applies. */
export function denseAccumulate(
  delta: usize,   // (m, nOut)
  inputs: usize,  // (m, nIn)
  m: i32, nOut: i32, nIn: i32,
  target: usize,  // (nOut, nIn)
  targetBiases: usize, // (nOut)
  decay: f64,
  list: usize,    // block list of 4-column blocks with example masks
  masked: i32,    // 1: use the masks (m <= 32); 0: every example
  jStart: i32, jEnd: i32, // the target rows this call updates (threads split them)
): void {
  assert(0 <= jStart && jStart <= jEnd && jEnd <= nOut, 'denseAccumulate: target rows outside the layer');
  assert(!masked || m <= MASK_EXAMPLES, 'denseAccumulate: example masks hold at most MASK_EXAMPLES examples');
  assert(((target | inputs) & 15) == 0, 'denseAccumulate: target and inputs must be 16-byte aligned');
  const inRow = <usize>nIn << 3;
  const outRow = <usize>nOut << 3;
  const blockEnd = (<usize>(nIn & ~3)) << 3;
  const exEnd = <usize>m * outRow;
  const keep = f64x2.splat(decay);
  const listEnd = list + LIST_HEADER + (<usize>load<u32>(list) << 3);
  const withInk = list + LIST_HEADER + (<usize>load<u32>(list, 4) << 3);
  const rowBlocks = jStart + ((jEnd - jStart) & ~3);
  for (let j = jStart; j < rowBlocks; j += 4) {
    const t0 = target + <usize>j * inRow;
    const t1 = t0 + inRow, t2 = t1 + inRow, t3 = t2 + inRow;
    const dj = delta + (<usize>j << 3);
    // Blocks without ink in the batch: the product adds nothing, the decay still applies.
    if (decay != 1.0) {
      for (let q = list + LIST_HEADER; q < withInk; q += 8) {
        const k = <usize>load<u32>(q);
        v128.store(t0 + k, f64x2.mul(keep, v128.load(t0 + k))); v128.store(t0 + k, f64x2.mul(keep, v128.load(t0 + k, 16)), 16);
        v128.store(t1 + k, f64x2.mul(keep, v128.load(t1 + k))); v128.store(t1 + k, f64x2.mul(keep, v128.load(t1 + k, 16)), 16);
        v128.store(t2 + k, f64x2.mul(keep, v128.load(t2 + k))); v128.store(t2 + k, f64x2.mul(keep, v128.load(t2 + k, 16)), 16);
        v128.store(t3 + k, f64x2.mul(keep, v128.load(t3 + k))); v128.store(t3 + k, f64x2.mul(keep, v128.load(t3 + k, 16)), 16);
      }
    }
    for (let q = withInk; q < listEnd; q += 8) {
      const k = <usize>load<u32>(q);
      // 4 rows x 4 columns = 8 accumulators, swept down the examples.
      let a00 = f64x2.splat(0), a01 = f64x2.splat(0), a10 = f64x2.splat(0), a11 = f64x2.splat(0);
      let a20 = f64x2.splat(0), a21 = f64x2.splat(0), a30 = f64x2.splat(0), a31 = f64x2.splat(0);
      // The same tile twice, walking the examples two ways: merged, the walk would branch once per example in the
      // hottest loop of the core (not measured in this form; kept as it was measured fastest).
      if (masked) {
        let mask = load<u32>(q, 4);
        do {
          const e = <usize>ctz(mask);
          mask &= mask - 1;
          const x = inputs + e * inRow + k;
          const d = dj + e * outRow;
          const v0 = v128.load(x), v1 = v128.load(x, 16);
          const g0 = v128.load64_splat(d), g1 = v128.load64_splat(d, 8);
          const g2 = v128.load64_splat(d, 16), g3 = v128.load64_splat(d, 24);
          a00 = madd(g0, v0, a00); a01 = madd(g0, v1, a01);
          a10 = madd(g1, v0, a10); a11 = madd(g1, v1, a11);
          a20 = madd(g2, v0, a20); a21 = madd(g2, v1, a21);
          a30 = madd(g3, v0, a30); a31 = madd(g3, v1, a31);
        } while (mask);
      } else {
        let x = inputs + k;
        for (let d: usize = dj; d < dj + exEnd; d += outRow) {
          const v0 = v128.load(x), v1 = v128.load(x, 16);
          const g0 = v128.load64_splat(d), g1 = v128.load64_splat(d, 8);
          const g2 = v128.load64_splat(d, 16), g3 = v128.load64_splat(d, 24);
          a00 = madd(g0, v0, a00); a01 = madd(g0, v1, a01);
          a10 = madd(g1, v0, a10); a11 = madd(g1, v1, a11);
          a20 = madd(g2, v0, a20); a21 = madd(g2, v1, a21);
          a30 = madd(g3, v0, a30); a31 = madd(g3, v1, a31);
          x += inRow;
        }
      }
      v128.store(t0 + k, finish(keep, decay, v128.load(t0 + k), a00)); v128.store(t0 + k, finish(keep, decay, v128.load(t0 + k, 16), a01), 16);
      v128.store(t1 + k, finish(keep, decay, v128.load(t1 + k), a10)); v128.store(t1 + k, finish(keep, decay, v128.load(t1 + k, 16), a11), 16);
      v128.store(t2 + k, finish(keep, decay, v128.load(t2 + k), a20)); v128.store(t2 + k, finish(keep, decay, v128.load(t2 + k, 16), a21), 16);
      v128.store(t3 + k, finish(keep, decay, v128.load(t3 + k), a30)); v128.store(t3 + k, finish(keep, decay, v128.load(t3 + k, 16), a31), 16);
    }
  }
  // Leftover rows and columns: plain sums.
  for (let r = jStart; r < jEnd; r++) {
    const kStart = r < rowBlocks ? <i32>(blockEnd >> 3) : 0;
    const row = target + <usize>r * inRow;
    for (let k = kStart; k < nIn; k++) {
      let s: f64 = 0;
      for (let e = 0; e < m; e++) {
        s += load<f64>(delta + <usize>e * outRow + (<usize>r << 3)) * load<f64>(inputs + <usize>e * inRow + (<usize>k << 3));
      }
      const p = row + (<usize>k << 3);
      store<f64>(p, decay * load<f64>(p) + s);
    }
  }
  addColumnSums(delta, m, nOut, targetBiases, jStart, jEnd);
}

/** dst = decay * dst + src over n values (applies an accumulated full-batch step). */
export function scaleAdd(dst: usize, src: usize, n: i32, decay: f64): void {
  const end = <usize>n << 3;
  for (let p: usize = 0; p < end; p += 8) store<f64>(dst + p, decay * load<f64>(dst + p) + load<f64>(src + p));
}
