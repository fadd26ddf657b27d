// mnist-wasm core: dense-layer kernels over pointers into one linear memory.
// The host (src/engine/) owns every buffer; these functions never allocate.
// Shapes are given in comments as (rows, cols) of row-major f64 unless noted.
// Weights are stored [out][in], so a forward output is a dot product of two
// contiguous rows, and the mini-batch is processed as one small GEMM.

// Examples per panel in denseForward (even): large evaluation chunks are cut so their inputs stay in L2.
const EXAMPLE_PANEL: i32 = 16;

// Activation codes, shared with src/model/spec.ts.
const SIGMOID: i32 = 0;
const RELU: i32 = 1;
const SOFTMAX: i32 = 2;
// Cost codes.
const CROSS_ENTROPY: i32 = 0;
const QUADRATIC: i32 = 1;

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

/** Gathers a mini-batch: bytes scaled to [0,1] as f64 rows, and labels. indices == 0 means rows first..first+count.
 *  With blocks != 0 it also lists the runs of 4-column blocks that have a non-zero pixel in some example of the
 *  batch, as ascending [start, end) byte offsets into an f64 row, and returns how many runs. */
export function gatherBatch(
  images: usize,  // (n, inputSize) u8
  labels: usize,  // (n) u8
  indices: usize, // (count) u32, or 0
  first: i32, count: i32, inputSize: i32,
  inputs: usize,  // (count, inputSize) f64 out
  targets: usize, // (count) u8 out
  blocks: usize,  // (inputSize / 4) u32 out, or 0
): i32 {
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
  if (!blocks) return 0;
  // Runs of consecutive 4-column blocks with ink, as [start, end) byte offsets into an f64 row.
  const total = inputSize >> 2;
  let runs = 0;
  let runStart = -1;
  for (let g = 0; g <= total; g++) {
    let any: u32 = 0;
    if (g < total) {
      for (let e = 0; e < count; e++) any |= load<u32>(images + rowOf(indices, first, e) * inputSize + (<usize>g << 2));
    }
    if (any && runStart < 0) runStart = g;
    if (!any && runStart >= 0) {
      store<u32>(blocks + (<usize>runs << 3), <u32>runStart << 5);
      store<u32>(blocks + (<usize>runs << 3), <u32>g << 5, 4);
      runs++;
      runStart = -1;
    }
  }
  return runs;
}

// @ts-ignore: decorator
@inline function rowOf(indices: usize, first: i32, e: i32): usize {
  return indices ? <usize>load<u32>(indices + (<usize>e << 2)) : <usize>(first + e);
}

/** The dense run list of an nIn-wide row: one run over all whole 4-column blocks. Returns the run count. */
export function denseBlocks(blocks: usize, nIn: i32): i32 {
  store<u32>(blocks, 0);
  store<u32>(blocks, <u32>(nIn & ~3) << 3, 4);
  return 1;
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
 *  Only the listed runs of 4-column blocks enter the dot products (the rest are zero in every example of the
 *  batch), then the last nIn % 4 columns. Skipping exact zeros leaves every sum as the dense loop makes it. */
export function denseForward(
  input: usize,   // (m, nIn)
  m: i32, nIn: i32,
  weights: usize, // (nOut, nIn)
  biases: usize,  // (nOut)
  nOut: i32,
  output: usize,  // (m, nOut) out
  activation: i32,
  blocks: usize,  // (nBlocks, 2) u32 [start, end) byte offsets of runs of 4-column blocks, ascending
  nBlocks: i32,
  jStart: i32, jEnd: i32, // the output rows this call computes (threads split them); softmax needs them all
): void {
  const inRow = <usize>nIn << 3;
  const outRow = <usize>nOut << 3;
  const tail = (<usize>(nIn & ~3)) << 3;
  const blocksEnd = blocks + (<usize>nBlocks << 3);
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
      let a00 = f64x2.splat(0), a01 = f64x2.splat(0), a10 = f64x2.splat(0), a11 = f64x2.splat(0);
      let a20 = f64x2.splat(0), a21 = f64x2.splat(0), a30 = f64x2.splat(0), a31 = f64x2.splat(0);
      for (let b = blocks; b < blocksEnd; b += 8) {
        const end = <usize>load<u32>(b, 4);
        for (let k = <usize>load<u32>(b); k < end; k += 16) {
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
      for (let k = tail; k < inRow; k += 8) {
        const t0 = load<f64>(x0 + k), t1 = load<f64>(x1 + k);
        s00 += load<f64>(w0 + k) * t0; s01 += load<f64>(w0 + k) * t1;
        s10 += load<f64>(w1 + k) * t0; s11 += load<f64>(w1 + k) * t1;
        s20 += load<f64>(w2 + k) * t0; s21 += load<f64>(w2 + k) * t1;
        s30 += load<f64>(w3 + k) * t0; s31 += load<f64>(w3 + k) * t1;
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
    for (let r = e < pairs ? rowBlocks : jStart; r < jEnd; r++) {
      const w = weights + <usize>r * inRow;
      let acc = f64x2.splat(0);
      for (let b = blocks; b < blocksEnd; b += 8) {
        const end = <usize>load<u32>(b, 4);
        for (let k = <usize>load<u32>(b); k < end; k += 16) acc = madd(v128.load(w + k), v128.load(x + k), acc);
      }
      let sum = hsum(acc);
      for (let k = tail; k < inRow; k += 8) sum += load<f64>(w + k) * load<f64>(x + k);
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

/** Backpropagated error (BP2): deltaIn = (deltaOut . weights) * sigma'(z_in), sigma' read from a_in. */
export function denseBackwardInput(
  deltaOut: usize, // (m, nOut)
  m: i32, nOut: i32,
  weights: usize,  // (nOut, nIn)
  nIn: i32,
  inputs: usize,   // (m, nIn) activations of the layer below
  activationIn: i32,
  deltaIn: usize,  // (m, nIn) out
): void {
  const inRow = <usize>nIn << 3;
  const outRow = <usize>nOut << 3;
  const blockEnd = (<usize>(nIn & ~7)) << 3;
  let e = 0;
  for (; e + 2 <= m; e += 2) {
    const d0 = deltaOut + <usize>e * outRow;
    const d1 = d0 + outRow;
    const r0 = deltaIn + <usize>e * inRow;
    const r1 = r0 + inRow;
    // 2 examples x 8 columns = 8 accumulators, swept down the nOut rows of W.
    for (let k: usize = 0; k < blockEnd; k += 64) {
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
    const kStart = r < e ? <i32>(blockEnd >> 3) : 0;
    const dr = deltaOut + <usize>r * outRow;
    const out = deltaIn + <usize>r * inRow;
    for (let k = kStart; k < nIn; k++) {
      let s: f64 = 0;
      for (let j = 0; j < nOut; j++) s += load<f64>(dr + (<usize>j << 3)) * load<f64>(weights + <usize>j * inRow + (<usize>k << 3));
      store<f64>(out + (<usize>k << 3), s);
    }
  }
  const end = <usize>m * inRow;
  for (let p: usize = 0; p < end; p += 8) {
    const a = load<f64>(inputs + p);
    const slope = activationIn == RELU ? (a > 0 ? 1.0 : 0.0) : a * (1.0 - a);
    store<f64>(deltaIn + p, load<f64>(deltaIn + p) * slope);
  }
}

/** target = decay * target + delta^T . inputs (BP4), targetBiases += column sums of delta (BP3).
 *  With delta pre-scaled by -eta/m this is the SGD step itself; with decay 1 it accumulates a gradient.
 *  The product runs over the listed runs of 4-column blocks; between them the inputs are zero in every
 *  example, so there only the decay applies. */
export function denseAccumulate(
  delta: usize,   // (m, nOut)
  inputs: usize,  // (m, nIn)
  m: i32, nOut: i32, nIn: i32,
  target: usize,  // (nOut, nIn)
  targetBiases: usize, // (nOut)
  decay: f64,
  blocks: usize,  // (nBlocks, 2) u32 [start, end) byte offsets of runs of 4-column blocks, ascending
  nBlocks: i32,
  jStart: i32, jEnd: i32, // the target rows this call updates (threads split them)
): void {
  const inRow = <usize>nIn << 3;
  const outRow = <usize>nOut << 3;
  const blockEnd = (<usize>(nIn & ~3)) << 3;
  const exEnd = <usize>m * outRow;
  const keep = f64x2.splat(decay);
  const blocksEnd = blocks + (<usize>nBlocks << 3);
  const rowBlocks = jStart + ((jEnd - jStart) & ~3);
  for (let j = jStart; j < rowBlocks; j += 4) {
    const t0 = target + <usize>j * inRow;
    const t1 = t0 + inRow, t2 = t1 + inRow, t3 = t2 + inRow;
    const dj = delta + (<usize>j << 3);
    // 4 rows x 4 columns = 8 accumulators, swept down the mini-batch.
    for (let b = blocks; b < blocksEnd; b += 8) {
    const end = <usize>load<u32>(b, 4);
    for (let k = <usize>load<u32>(b); k < end; k += 32) {
      let a00 = f64x2.splat(0), a01 = f64x2.splat(0), a10 = f64x2.splat(0), a11 = f64x2.splat(0);
      let a20 = f64x2.splat(0), a21 = f64x2.splat(0), a30 = f64x2.splat(0), a31 = f64x2.splat(0);
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
  }
  // Blocks that are zero in the whole batch: the product adds nothing, the decay still applies.
  if (decay != 1.0) {
    let gap: usize = 0;
    for (let b = blocks; b <= blocksEnd; b += 8) {
      const end = b < blocksEnd ? <usize>load<u32>(b) : blockEnd;
      for (let r = jStart; r < rowBlocks; r++) {
        const row = target + <usize>r * inRow;
        for (let k = gap; k < end; k += 16) v128.store(row + k, f64x2.mul(keep, v128.load(row + k)));
      }
      if (b < blocksEnd) gap = <usize>load<u32>(b, 4);
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
  for (let r = jStart; r < jEnd; r++) {
    let s: f64 = 0;
    for (let e = 0; e < m; e++) s += load<f64>(delta + <usize>e * outRow + (<usize>r << 3));
    const p = targetBiases + (<usize>r << 3);
    store<f64>(p, load<f64>(p) + s);
  }
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
