// mnist-wasm core: dense-layer kernels over pointers into one linear memory.
// The host (src/engine/) owns every buffer; these functions never allocate.
// Shapes are given in comments as (rows, cols) of row-major f64 unless noted.
// Weights are stored [out][in], so a forward output is a dot product of two
// contiguous rows, and the mini-batch is processed as one small GEMM.

// Examples per panel in denseForward (even): large evaluation chunks are cut so their inputs stay in L2.
const EXAMPLE_PANEL: i32 = 16;

import { LIST_HEADER, MASK_EXAMPLES, QUADRATIC, RELU, SOFTMAX } from './constants';
export { CROSS_ENTROPY, LIST_HEADER, MASK_EXAMPLES, QUADRATIC, RELU, SIGMOID, SOFTMAX } from './constants';

// FMA when built with relaxed SIMD (asconfig target "relaxed"), mul+add otherwise.
// @ts-ignore: decorator
@inline function madd(a: v128, b: v128, acc: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f64x2.relaxed_madd(a, b, acc);
  return f64x2.add(acc, f64x2.mul(a, b));
}

// @ts-ignore: decorator
@inline function hsum(v: v128): f64 {
  return f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1);
}

function dot(a: usize, b: usize, n: i32): f64 {
  let acc = f64x2.splat(0);
  const vecBytes = (<usize>(n & ~1)) << 3;
  for (let k: usize = 0; k < vecBytes; k += 16) acc = madd(v128.load(a + k), v128.load(b + k), acc);
  let s = hsum(acc);
  if (n & 1) s += load<f64>(a + vecBytes) * load<f64>(b + vecBytes);
  return s;
}

// Block lists name the input columns a kernel must visit, as byte offsets into an f64 input row: a header
// (u32 count, u32 zeroCount), then entries. denseForward's entries are u32 offsets of 2-column blocks;
// denseAccumulate's are (u32 offset, u32 mask) of 4-column blocks, mask bit e set when example e has a
// non-zero input there, the zeroCount blocks without any first. Columns left out are zero, so skipping
// them leaves every sum as the dense loop makes it (x * w adds an exact zero). One list entry per block
// rather than runs of blocks keeps each inner loop's trip count fixed, so its exit branch is predicted.

/** Gathers a mini-batch: bytes scaled to [0,1] as f64 rows, and labels. indices == 0 means rows first..first+count.
 *  Optionally also the block lists the sparse kernels skip by (each pointer may be 0): pairLists, for each
 *  example pair p (the last example alone when count is odd), the 2-column blocks with ink in example 2p or
 *  2p+1, pairStride bytes apart; accumulateList, every 4-column block with a mask of the examples that have
 *  ink there (count <= 32; above that every example counts as having ink), those without any first. */
export function gatherBatch(
  images: usize,  // (n, inputSize) u8
  labels: usize,  // (n) u8
  indices: usize, // (count) u32, or 0
  first: i32, count: i32, inputSize: i32,
  inputs: usize,  // (count, inputSize) f64 out
  targets: usize, // (count) u8 out
  pairLists: usize, pairStride: i32, // (ceil(count / 2)) lists out, or 0
  accumulateList: usize, // list out, or 0
  scratch: usize, // (inputSize / 4) u32
): void {
  const scale = f64x2.splat(1.0 / 255.0);
  const vecEnd = inputSize & ~7;
  for (let e = 0; e < count; e++) {
    const row = rowOf(indices, first, e);
    store<u8>(targets + e, load<u8>(labels + row));
    const src = images + row * inputSize;
    const dst = inputs + ((<usize>e * inputSize) << 3);
    for (let k = 0; k < vecEnd; k += 8) {
      const wide = v128.load8x8_u(src + k); // 8 pixels as u16
      const lo = i32x4.extend_low_i16x8_u(wide), hi = i32x4.extend_high_i16x8_u(wide);
      const out = dst + (<usize>k << 3);
      v128.store(out, f64x2.mul(f64x2.convert_low_i32x4_s(lo), scale));
      v128.store(out, f64x2.mul(f64x2.convert_low_i32x4_s(i32x4.shuffle(lo, lo, 2, 3, 0, 1)), scale), 16);
      v128.store(out, f64x2.mul(f64x2.convert_low_i32x4_s(hi), scale), 32);
      v128.store(out, f64x2.mul(f64x2.convert_low_i32x4_s(i32x4.shuffle(hi, hi, 2, 3, 0, 1)), scale), 48);
    }
    for (let k = vecEnd; k < inputSize; k++) store<f64>(dst + (<usize>k << 3), <f64>load<u8>(src + k) * (1.0 / 255.0));
  }
  if (pairLists) {
    for (let e = 0; e < count; e += 2) {
      const a = images + rowOf(indices, first, e) * inputSize;
      const b = e + 1 < count ? images + rowOf(indices, first, e + 1) * inputSize : a;
      pairInk(a, b, inputSize, pairLists + <usize>(e >> 1) * pairStride);
    }
  }
  if (accumulateList) blockInk(images, indices, first, count, inputSize, accumulateList, scratch);
}

// @ts-ignore: decorator
@inline function rowOf(indices: usize, first: i32, e: i32): usize {
  return indices ? <usize>load<u32>(indices + (<usize>e << 2)) : <usize>(first + e);
}

// The list of 2-column blocks with ink in image a or image b (u8 rows of n pixels).
function pairInk(a: usize, b: usize, n: i32, list: usize): void {
  const zero = i16x8.splat(0);
  const blocks = n >> 1;
  const entries = list + LIST_HEADER;
  let count: usize = 0;
  let g = 0;
  // Eight blocks (16 bytes) per step; every offset is written, and the count advances past those with ink.
  for (; g + 8 <= blocks; g += 8) {
    const k = <usize>g << 1;
    const ink = i16x8.bitmask(i16x8.ne(v128.or(v128.load(a + k), v128.load(b + k)), zero));
    for (let i = 0; i < 8; i++) {
      store<u32>(entries + (count << 2), <u32>(g + i) << 4);
      count += <usize>((ink >> i) & 1);
    }
  }
  for (; g < blocks; g++) {
    store<u32>(entries + (count << 2), <u32>g << 4);
    count += <usize>((load<u16>(a + (<usize>g << 1)) | load<u16>(b + (<usize>g << 1))) != 0);
  }
  store<u32>(list, <u32>count);
  store<u32>(list, 0, 4);
}

// The list of 4-column blocks with their example masks: blocks without ink first, then the others in
// column order (ordering them by example count to steady the loop branch was measured no faster).
function blockInk(images: usize, indices: usize, first: i32, count: i32, n: i32, list: usize, masks: usize): void {
  const blocks = n >> 2;
  const masked = count <= MASK_EXAMPLES;
  let empty: u32 = 0;
  for (let g = 0; g < blocks; g++) {
    let ink: u32 = 0;
    for (let e = 0; e < count; e++) {
      if (load<u32>(images + rowOf(indices, first, e) * n + (<usize>g << 2))) ink |= masked ? <u32>1 << e : 1;
    }
    const mask = masked ? ink : ink ? 0xffffffff : 0;
    store<u32>(masks + (<usize>g << 2), mask);
    if (!mask) empty++;
  }
  store<u32>(list, <u32>blocks);
  store<u32>(list, empty, 4);
  let zeroAt = list + LIST_HEADER;
  let inkAt = zeroAt + (<usize>empty << 3);
  for (let g = 0; g < blocks; g++) {
    const mask = load<u32>(masks + (<usize>g << 2));
    const at = mask ? inkAt : zeroAt;
    store<u32>(at, <u32>g << 5);
    store<u32>(at, mask, 4);
    if (mask) inkAt += 8;
    else zeroAt += 8;
  }
}

/** The dense block lists of an nIn-wide row: every 2-column block (forward), every 4-column block (accumulate). */
export function denseLists(forwardList: usize, accumulateList: usize, nIn: i32): void {
  const pairs = nIn >> 1, quads = nIn >> 2;
  store<u32>(forwardList, pairs);
  store<u32>(forwardList, 0, 4);
  for (let g = 0; g < pairs; g++) store<u32>(forwardList + LIST_HEADER + (<usize>g << 2), <u32>g << 4);
  store<u32>(accumulateList, quads);
  store<u32>(accumulateList, 0, 4);
  for (let g = 0; g < quads; g++) {
    store<u32>(accumulateList + LIST_HEADER + (<usize>g << 3), <u32>g << 5);
    store<u32>(accumulateList + LIST_HEADER + (<usize>g << 3), 0xffffffff, 4);
  }
}

function activate(z: f64, activation: i32): f64 {
  if (activation == RELU) return z > 0 ? z : 0;
  return 1.0 / (1.0 + Math.exp(-z));
}

// Softmax of one row in place; subtracting the max keeps exp finite.
function softmaxRow(row: usize, n: i32): void {
  let max = load<f64>(row);
  for (let j = 1; j < n; j++) max = Math.max(max, load<f64>(row + (<usize>j << 3)));
  let sum: f64 = 0;
  for (let j = 0; j < n; j++) {
    const p = row + (<usize>j << 3);
    const e = Math.exp(load<f64>(p) - max);
    store<f64>(p, e);
    sum += e;
  }
  const inv = 1.0 / sum;
  for (let j = 0; j < n; j++) store<f64>(row + (<usize>j << 3), load<f64>(row + (<usize>j << 3)) * inv);
}

/** output = activation(input . weights^T + biases), register-blocked 4 rows x 2 examples.
 *  Each pair of examples visits only the 2-column blocks in its own block list (the list for pair p at
 *  lists + p * listStride; stride 0 shares one list), then the last column when nIn is odd. */
export function denseForward(
  input: usize,   // (m, nIn)
  m: i32, nIn: i32,
  weights: usize, // (nOut, nIn)
  biases: usize,  // (nOut)
  nOut: i32,
  output: usize,  // (m, nOut) out
  activation: i32,
  lists: usize,   // block lists of 2-column blocks, one per example pair
  listStride: i32,
  jStart: i32, jEnd: i32, // the output rows this call computes (threads split them); softmax needs them all
): void {
  const inRow = <usize>nIn << 3;
  const outRow = <usize>nOut << 3;
  const tail = (<usize>(nIn & ~1)) << 3;
  // Row blocks outer, example pairs inner: four weight rows (4 x nIn f64) stay in L1 while a panel of
  // examples (at most EXAMPLE_PANEL rows of input, kept in L2) streams past them.
  const pairs = m & ~1;
  const rowBlocks = jStart + ((jEnd - jStart) & ~3);
  for (let panel = 0; panel < pairs; panel += EXAMPLE_PANEL) {
  const panelEnd = min(panel + EXAMPLE_PANEL, pairs);
  for (let j = jStart; j < rowBlocks; j += 4) {
    const w0 = weights + <usize>j * inRow;
    const w1 = w0 + inRow, w2 = w1 + inRow, w3 = w2 + inRow;
    const jb = <usize>j << 3;
    const b0 = load<f64>(biases + jb), b1 = load<f64>(biases + jb, 8);
    const b2 = load<f64>(biases + jb, 16), b3 = load<f64>(biases + jb, 24);
    for (let e = panel; e < panelEnd; e += 2) {
      const x0 = input + <usize>e * inRow;
      const x1 = x0 + inRow;
      const list = lists + <usize>(e >> 1) * listStride;
      const listEnd = list + LIST_HEADER + (<usize>load<u32>(list) << 2);
      let a00 = f64x2.splat(0), a01 = f64x2.splat(0), a10 = f64x2.splat(0), a11 = f64x2.splat(0);
      let a20 = f64x2.splat(0), a21 = f64x2.splat(0), a30 = f64x2.splat(0), a31 = f64x2.splat(0);
      for (let q = list + LIST_HEADER; q < listEnd; q += 4) {
        const k = <usize>load<u32>(q);
        const v0 = v128.load(x0 + k), v1 = v128.load(x1 + k);
        const u0 = v128.load(w0 + k), u1 = v128.load(w1 + k);
        const u2 = v128.load(w2 + k), u3 = v128.load(w3 + k);
        a00 = madd(u0, v0, a00); a01 = madd(u0, v1, a01);
        a10 = madd(u1, v0, a10); a11 = madd(u1, v1, a11);
        a20 = madd(u2, v0, a20); a21 = madd(u2, v1, a21);
        a30 = madd(u3, v0, a30); a31 = madd(u3, v1, a31);
      }
      let s00 = hsum(a00), s01 = hsum(a01), s10 = hsum(a10), s11 = hsum(a11);
      let s20 = hsum(a20), s21 = hsum(a21), s30 = hsum(a30), s31 = hsum(a31);
      if (tail < inRow) {
        const t0 = load<f64>(x0 + tail), t1 = load<f64>(x1 + tail);
        s00 += load<f64>(w0 + tail) * t0; s01 += load<f64>(w0 + tail) * t1;
        s10 += load<f64>(w1 + tail) * t0; s11 += load<f64>(w1 + tail) * t1;
        s20 += load<f64>(w2 + tail) * t0; s21 += load<f64>(w2 + tail) * t1;
        s30 += load<f64>(w3 + tail) * t0; s31 += load<f64>(w3 + tail) * t1;
      }
      const o0 = output + <usize>e * outRow + jb;
      const o1 = o0 + outRow;
      store<f64>(o0, s00 + b0); store<f64>(o1, s01 + b0);
      store<f64>(o0, s10 + b1, 8); store<f64>(o1, s11 + b1, 8);
      store<f64>(o0, s20 + b2, 16); store<f64>(o1, s21 + b2, 16);
      store<f64>(o0, s30 + b3, 24); store<f64>(o1, s31 + b3, 24);
    }
  }
  }
  // Leftover rows, and the odd example: the same sums, one at a time.
  for (let e = 0; e < m; e++) {
    const x = input + <usize>e * inRow;
    const o = output + <usize>e * outRow;
    const list = lists + <usize>(e >> 1) * listStride;
    const listEnd = list + LIST_HEADER + (<usize>load<u32>(list) << 2);
    for (let r = e < pairs ? rowBlocks : jStart; r < jEnd; r++) {
      const w = weights + <usize>r * inRow;
      let acc = f64x2.splat(0);
      for (let q = list + LIST_HEADER; q < listEnd; q += 4) {
        const k = <usize>load<u32>(q);
        acc = madd(v128.load(w + k), v128.load(x + k), acc);
      }
      let sum = hsum(acc);
      if (tail < inRow) sum += load<f64>(w + tail) * load<f64>(x + tail);
      store<f64>(o + (<usize>r << 3), sum + load<f64>(biases + (<usize>r << 3)));
    }
  }
  if (activation == SOFTMAX) {
    for (let r = 0; r < m; r++) softmaxRow(output + <usize>r * outRow, nOut);
  } else {
    for (let r = 0; r < m; r++) {
      const row = output + <usize>r * outRow;
      for (let p = row + (<usize>jStart << 3); p < row + (<usize>jEnd << 3); p += 8) store<f64>(p, activate(load<f64>(p), activation));
    }
  }
}

/** Output error (BP1), times scale: cross-entropy a - y; quadratic (a - y) * sigma'(z). */
export function outputDelta(
  output: usize,  // (m, n) activations
  targets: usize, // (m) u8 labels
  m: i32, n: i32, cost: i32, activation: i32, scale: f64,
  delta: usize,   // (m, n) out
): void {
  for (let e = 0; e < m; e++) {
    const a = output + ((<usize>e * n) << 3);
    const d = delta + ((<usize>e * n) << 3);
    const label = <i32>load<u8>(targets + e);
    // Softmax Jacobian term for the quadratic cost: sum_k (a_k - y_k) a_k.
    let dot: f64 = 0;
    if (cost == QUADRATIC && activation == SOFTMAX) {
      for (let k = 0; k < n; k++) {
        const ak = load<f64>(a + (<usize>k << 3));
        dot += (ak - (k == label ? 1.0 : 0.0)) * ak;
      }
    }
    for (let j = 0; j < n; j++) {
      const aj = load<f64>(a + (<usize>j << 3));
      const err = aj - (j == label ? 1.0 : 0.0);
      let v = err;
      if (cost == QUADRATIC) v = activation == SOFTMAX ? aj * (err - dot) : err * aj * (1.0 - aj);
      store<f64>(d + (<usize>j << 3), v * scale);
    }
  }
}

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
  for (let r = 0; r < m; r++) {
    const row = <usize>r * inRow;
    for (let p = row + first; p < row + (<usize>kEnd << 3); p += 8) {
      const a = load<f64>(inputs + p);
      const slope = activationIn == RELU ? (a > 0 ? 1.0 : 0.0) : a * (1.0 - a);
      store<f64>(deltaIn + p, load<f64>(deltaIn + p) * slope);
    }
  }
}

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

// decay * target + sum, as denseAccumulate forms it.
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
      if (decay != 1.0) {
        a00 = madd(keep, v128.load(t0 + k), a00); a01 = madd(keep, v128.load(t0 + k, 16), a01);
        a10 = madd(keep, v128.load(t1 + k), a10); a11 = madd(keep, v128.load(t1 + k, 16), a11);
        a20 = madd(keep, v128.load(t2 + k), a20); a21 = madd(keep, v128.load(t2 + k, 16), a21);
        a30 = madd(keep, v128.load(t3 + k), a30); a31 = madd(keep, v128.load(t3 + k, 16), a31);
      } else {
        a00 = f64x2.add(a00, v128.load(t0 + k)); a01 = f64x2.add(a01, v128.load(t0 + k, 16));
        a10 = f64x2.add(a10, v128.load(t1 + k)); a11 = f64x2.add(a11, v128.load(t1 + k, 16));
        a20 = f64x2.add(a20, v128.load(t2 + k)); a21 = f64x2.add(a21, v128.load(t2 + k, 16));
        a30 = f64x2.add(a30, v128.load(t3 + k)); a31 = f64x2.add(a31, v128.load(t3 + k, 16));
      }
      v128.store(t0 + k, a00); v128.store(t0 + k, a01, 16);
      v128.store(t1 + k, a10); v128.store(t1 + k, a11, 16);
      v128.store(t2 + k, a20); v128.store(t2 + k, a21, 16);
      v128.store(t3 + k, a30); v128.store(t3 + k, a31, 16);
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

/** Adds the summed cost and the count of correct argmax predictions of m output rows to result[0], result[1]. */
export function scoreOutputs(
  output: usize,  // (m, n) activations
  targets: usize, // (m) u8 labels
  m: i32, n: i32, cost: i32, activation: i32,
  result: usize,  // (2) f64 in/out
): void {
  let total: f64 = 0;
  let correct: f64 = 0;
  // Clamp so that a saturated unit costs about 690, not Infinity (Nielsen's nan_to_num, finite).
  const tiny: f64 = 1e-300;
  for (let e = 0; e < m; e++) {
    const a = output + ((<usize>e * n) << 3);
    const label = <i32>load<u8>(targets + e);
    let best = 0;
    for (let j = 0; j < n; j++) {
      const aj = load<f64>(a + (<usize>j << 3));
      if (aj > load<f64>(a + (<usize>best << 3))) best = j;
      const y: f64 = j == label ? 1.0 : 0.0;
      if (cost == QUADRATIC) total += 0.5 * (aj - y) * (aj - y);
      else if (j == label) total -= Math.log(Math.max(aj, tiny));
      else if (activation != SOFTMAX) total -= Math.log(Math.max(1.0 - aj, tiny));
    }
    if (best == label) correct += 1;
  }
  store<f64>(result, load<f64>(result) + total);
  store<f64>(result, load<f64>(result, 8) + correct, 8);
}

/** Sum of squared values (the L2 term), f64x2 partial sums. */
export function sumSquares(values: usize, n: i32): f64 {
  return dot(values, values, n);
}

/** First free byte after the module's static data: the host allocates from here. */
export function heapBase(): usize {
  return __heap_base;
}
