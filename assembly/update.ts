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
 *  The product runs over the blocks of a list of 2-column blocks (the columns below nIn & ~3) and, when masked,
 *  only over the examples with ink in each block; elsewhere the inputs are zero, so there only the decay applies. */
export function denseAccumulate(
  delta: usize,   // (m, nOut)
  inputs: usize,  // (m, nIn)
  m: i32, nOut: i32, nIn: i32,
  target: usize,  // (nOut, nIn)
  targetBiases: usize, // (nOut)
  decay: f64,
  list: usize,    // block list of 2-column blocks with example masks
  masked: i32,    // 1: use the masks (m <= 32); 0: every example
  jStart: i32, jEnd: i32, // the target rows this call updates (threads split them)
): void {
  assert(0 <= jStart && jStart <= jEnd && jEnd <= nOut, 'denseAccumulate: target rows outside the layer');
  assert(!masked || m <= MASK_EXAMPLES, 'denseAccumulate: example masks hold at most MASK_EXAMPLES examples');
  assert(((target | inputs) & 15) == 0, 'denseAccumulate: target and inputs must be 16-byte aligned');
  const inRow = <usize>nIn << 3;
  const blockEnd = (<usize>(nIn & ~3)) << 3;
  const outRow = <usize>nOut << 3;
  const keep = f64x2.splat(decay);
  const listEnd = list + LIST_HEADER + (<usize>load<u32>(list) << 3);
  const withInk = list + LIST_HEADER + (<usize>load<u32>(list, 4) << 3);
  // The last (jEnd - jStart) % 4 rows take plain sums below.
  const rowBlocks = jStart + ((jEnd - jStart) & ~3);
  const tiled = target + <usize>rowBlocks * inRow;
  // Blocks without ink in the batch: the product adds nothing, the decay still applies.
  if (decay != 1.0) {
    for (let q = list + LIST_HEADER; q < withInk; q += 8) {
      for (let p = target + <usize>jStart * inRow + <usize>load<u32>(q); p < tiled; p += inRow) v128.store(p, f64x2.mul(keep, v128.load(p)));
    }
  }
  // Row tiles of 8 target rows (then one of 4) outer, blocks inner.
  let j = jStart;
  for (; j + 8 <= rowBlocks; j += 8) rowTile(8, delta + (<usize>j << 3), inputs, m, outRow, inRow, target + <usize>j * inRow, keep, decay, withInk, listEnd, masked);
  if (j < rowBlocks) rowTile(4, delta + (<usize>j << 3), inputs, m, outRow, inRow, target + <usize>j * inRow, keep, decay, withInk, listEnd, masked);
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

// @ts-ignore: decorator
@inline function lane0(v: v128): v128 { return v128.shuffle<f64>(v, v, 0, 0); }
// @ts-ignore: decorator
@inline function lane1(v: v128): v128 { return v128.shuffle<f64>(v, v, 1, 1); }

// denseAccumulate's product for `rows` (8 or 4) target rows from t over the list entries q..listEnd (the blocks with ink).
// @ts-ignore: decorator
@inline function rowTile(rows: i32, d0: usize, inputs: usize, m: i32, outRow: usize, inRow: usize, t: usize, keep: v128, decay: f64, q: usize, listEnd: usize, masked: i32): void {
  for (; q < listEnd; q += 8) {
    const k = <usize>load<u32>(q);
    blockTile(rows, d0, inputs + k, m, outRow, inRow, t + k, keep, decay, masked ? load<u32>(q, 4) : 0);
  }
}

// The product for `rows` (8 or 4) target rows at t, one 2-column block (inputs at x0): one accumulator per
// row, swept down the examples of mask in ascending order (every example when mask is 0). Tiles of 2 columns
// skip 21% of the multiply-adds 4-column tiles make for zero inputs of MNIST batches of 10.
// @ts-ignore: decorator
@inline function blockTile(rows: i32, d0: usize, x0: usize, m: i32, outRow: usize, inRow: usize, t: usize, keep: v128, decay: f64, mask: u32): void {
  let a0 = f64x2.splat(0), a1 = f64x2.splat(0), a2 = f64x2.splat(0), a3 = f64x2.splat(0);
  let a4 = f64x2.splat(0), a5 = f64x2.splat(0), a6 = f64x2.splat(0), a7 = f64x2.splat(0);
  // The same tile twice, walking the examples two ways: one walk through a full mask for all m measured 1.1x slower.
  if (mask) {
    do {
      const e = <usize>ctz(mask);
      mask &= mask - 1;
      const v = v128.load(x0 + e * inRow);
      const d = d0 + e * outRow;
      // Two rows' errors per load, each lane broadcast by a shuffle (a splat load per row needs a register each).
      const g01 = v128.load(d), g23 = v128.load(d, 16);
      a0 = madd(lane0(g01), v, a0); a1 = madd(lane1(g01), v, a1);
      a2 = madd(lane0(g23), v, a2); a3 = madd(lane1(g23), v, a3);
      if (rows == 8) {
        const g45 = v128.load(d, 32), g67 = v128.load(d, 48);
        a4 = madd(lane0(g45), v, a4); a5 = madd(lane1(g45), v, a5);
        a6 = madd(lane0(g67), v, a6); a7 = madd(lane1(g67), v, a7);
      }
    } while (mask);
  } else {
    let x = x0;
    const exEnd = d0 + <usize>m * outRow;
    for (let d = d0; d < exEnd; d += outRow) {
      const v = v128.load(x);
      const g01 = v128.load(d), g23 = v128.load(d, 16);
      a0 = madd(lane0(g01), v, a0); a1 = madd(lane1(g01), v, a1);
      a2 = madd(lane0(g23), v, a2); a3 = madd(lane1(g23), v, a3);
      if (rows == 8) {
        const g45 = v128.load(d, 32), g67 = v128.load(d, 48);
        a4 = madd(lane0(g45), v, a4); a5 = madd(lane1(g45), v, a5);
        a6 = madd(lane0(g67), v, a6); a7 = madd(lane1(g67), v, a7);
      }
      x += inRow;
    }
  }
  let p = t;
  v128.store(p, finish(keep, decay, v128.load(p), a0)); p += inRow;
  v128.store(p, finish(keep, decay, v128.load(p), a1)); p += inRow;
  v128.store(p, finish(keep, decay, v128.load(p), a2)); p += inRow;
  v128.store(p, finish(keep, decay, v128.load(p), a3));
  if (rows == 8) {
    p += inRow; v128.store(p, finish(keep, decay, v128.load(p), a4));
    p += inRow; v128.store(p, finish(keep, decay, v128.load(p), a5));
    p += inRow; v128.store(p, finish(keep, decay, v128.load(p), a6));
    p += inRow; v128.store(p, finish(keep, decay, v128.load(p), a7));
  }
}

/** dst = decay * dst + src over n values (applies an accumulated full-batch step). */
export function scaleAdd(dst: usize, src: usize, n: i32, decay: f64): void {
  const end = <usize>n << 3;
  for (let p: usize = 0; p < end; p += 8) store<f64>(dst + p, decay * load<f64>(dst + p) + load<f64>(src + p));
}
