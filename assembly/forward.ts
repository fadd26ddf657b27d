// The dense layer's forward pass: output = activation(input . weights^T + biases).
import { LIST_HEADER, RELU, SOFTMAX } from './constants';
import { hsum, madd } from './simd';

// Bytes of an f64 row of a 28 x 28 image: the first layer of every MNIST network gets a kernel with constant row offsets.
const IMAGE_ROW: usize = 784 << 3;

// Examples per panel in denseForward (even): large evaluation chunks are cut so their inputs stay in L2.
const EXAMPLE_PANEL: i32 = 16;

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
 *  lists + p * listStride; stride 0 shares one list), then the last column when nIn is odd. Pair p holds
 *  examples 2p and 2p + 1 offset by the two i16 of its list's second header word (assembly/ink.ts pairWord). */
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
  // Kept by the debug build (npm run build:debug), compiled out of the release builds.
  assert(0 <= jStart && jStart <= jEnd && jEnd <= nOut, 'denseForward: output rows outside the layer');
  assert(activation != SOFTMAX || (jStart == 0 && jEnd == nOut), 'denseForward: softmax needs every output row');
  assert(((weights | input) & 15) == 0, 'denseForward: weights and inputs must be 16-byte aligned');
  const inRow = <usize>nIn << 3;
  const outRow = <usize>nOut << 3;
  const tail = (<usize>(nIn & ~1)) << 3;
  // Row blocks outer, example pairs inner: four weight rows (4 x nIn f64) stay in L1 while a panel of
  // examples (at most EXAMPLE_PANEL rows of input, kept in L2) streams past them.
  const pairs = m & ~1;
  const rowBlocks = jStart + ((jEnd - jStart) & ~3);
  for (let panel = 0; panel < pairs; panel += EXAMPLE_PANEL) {
  const panelEnd = min(panel + EXAMPLE_PANEL, pairs);
  // Rows from the last: the update before walked them from the first, so the last ones are still in cache.
  for (let j = rowBlocks - 4; j >= jStart; j -= 4) {
    const w0 = weights + <usize>j * inRow;
    const w1 = w0 + inRow, w2 = w1 + inRow, w3 = w2 + inRow;
    const jb = <usize>j << 3;
    const b0 = load<f64>(biases + jb), b1 = load<f64>(biases + jb, 8);
    const b2 = load<f64>(biases + jb, 16), b3 = load<f64>(biases + jb, 24);
    for (let e = panel; e < panelEnd; e += 2) {
      const list = lists + <usize>(e >> 1) * listStride;
      const pair = load<u32>(list, 4);
      const e0 = e + <i32><i16>pair, e1 = e + 1 + (<i32>pair >> 16);
      const x0 = input + <usize>e0 * inRow;
      const x1 = input + <usize>e1 * inRow;
      const listEnd = list + LIST_HEADER + (<usize>load<u32>(list) << 2);
      let a00 = f64x2.splat(0), a01 = f64x2.splat(0), a10 = f64x2.splat(0), a11 = f64x2.splat(0);
      let a20 = f64x2.splat(0), a21 = f64x2.splat(0), a30 = f64x2.splat(0), a31 = f64x2.splat(0);
      if (inRow == IMAGE_ROW) {
        // The four weight rows at constant offsets from one address: one add per block instead of four.
        for (let q = list + LIST_HEADER; q < listEnd; q += 4) {
          const k = <usize>load<u32>(q);
          const v0 = v128.load(x0 + k), v1 = v128.load(x1 + k);
          const w = w0 + k;
          const u0 = v128.load(w), u1 = v128.load(w, IMAGE_ROW);
          const u2 = v128.load(w, 2 * IMAGE_ROW), u3 = v128.load(w, 3 * IMAGE_ROW);
          a00 = madd(u0, v0, a00); a01 = madd(u0, v1, a01);
          a10 = madd(u1, v0, a10); a11 = madd(u1, v1, a11);
          a20 = madd(u2, v0, a20); a21 = madd(u2, v1, a21);
          a30 = madd(u3, v0, a30); a31 = madd(u3, v1, a31);
        }
      } else {
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
      const o0 = output + <usize>e0 * outRow + jb;
      const o1 = output + <usize>e1 * outRow + jb;
      store<f64>(o0, s00 + b0); store<f64>(o1, s01 + b0);
      store<f64>(o0, s10 + b1, 8); store<f64>(o1, s11 + b1, 8);
      store<f64>(o0, s20 + b2, 16); store<f64>(o1, s21 + b2, 16);
      store<f64>(o0, s30 + b3, 24); store<f64>(o1, s31 + b3, 24);
    }
  }
  }
  // Leftover rows, and the odd example: the same sums, one at a time.
  for (let i = 0; i < m; i++) {
    const list = lists + <usize>(i >> 1) * listStride;
    const pair = load<u32>(list, 4);
    const e = i + (i & 1 ? <i32>pair >> 16 : <i32><i16>pair);
    const x = input + <usize>e * inRow;
    const o = output + <usize>e * outRow;
    const listEnd = list + LIST_HEADER + (<usize>load<u32>(list) << 2);
    for (let r = i < pairs ? rowBlocks : jStart; r < jEnd; r++) {
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

/** denseForward of examples eStart..eEnd (even), every output row: evaluation, whose threads split the examples.
 *  lists as denseForward's, the pair lists counted from example 0 (stride 0: one shared list). */
export function forwardExamples(
  input: usize,   // (m, nIn)
  nIn: i32,
  weights: usize, // (nOut, nIn)
  biases: usize,  // (nOut)
  nOut: i32,
  output: usize,  // (m, nOut) out
  activation: i32,
  lists: usize,
  listStride: i32,
  eStart: i32, eEnd: i32,
): void {
  assert(0 <= eStart && eStart <= eEnd && (eStart & 1) == 0, 'forwardExamples: slices must start at an example pair');
  const pairs = <usize>(eStart >> 1) * listStride;
  denseForward(input + <usize>eStart * (<usize>nIn << 3), eEnd - eStart, nIn, weights, biases, nOut, output + <usize>eStart * (<usize>nOut << 3), activation, lists + pairs, listStride, 0, nOut);
}
