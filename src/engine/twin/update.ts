// The weight update: target = decay * target + delta^T . inputs (BP4) and the bias sums (BP3), fused into SGD.
// Mirrors assembly/update.ts; pointers are byte offsets into the arena, so f64 index = ptr / 8. Arguments arrive as
// doubles: `| 0` and `>> 3` give the loops int32 indices (see forward.ts).
import type { Arena } from '../arena.js';
import type { Kernels } from '../kernels.js';

export function updateKernels(arena: Arena): Pick<Kernels, 'accumulateColumns' | 'denseAccumulate' | 'scaleAdd'> {
  return {
    accumulateColumns(delta, inputs, m, nOut, nIn, target, targetBiases, decay, kStart, kEnd) {
      accumulateSlice(arena.f64, delta >> 3, inputs >> 3, m | 0, nOut | 0, nIn | 0, target >> 3, targetBiases >> 3, decay, kStart | 0, kEnd | 0);
    },

    denseAccumulate(delta, inputs, m, nOut, nIn, target, targetBiases, decay, _list, _masked, jStart, jEnd) {
      accumulateRows(arena.f64, delta >> 3, inputs >> 3, m | 0, nOut | 0, nIn | 0, target >> 3, targetBiases >> 3, decay, jStart | 0, jEnd | 0);
    },

    scaleAdd(dst, src, n, decay) {
      const f = arena.f64;
      const d = dst >> 3, s = src >> 3, count = n | 0;
      for (let i = 0; i < count; i++) f[d + i] = decay * f[d + i] + f[s + i];
    },
  };
}

/** accumulateColumns in f64 indices: each target column k sums its m products in example order. */
function accumulateSlice(f: Float64Array, d0: number, x0: number, m: number, nOut: number, nIn: number, t0: number, tb: number, decay: number, kStart: number, kEnd: number): void {
  for (let j = 0; j < nOut; j++) {
    const t = t0 + j * nIn;
    let k = kStart;
    // Four columns at a time share the loads of the deltas; each column's sum is its own.
    for (; k + 4 <= kEnd; k += 4) {
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let e = 0; e < m; e++) {
        const g = f[d0 + e * nOut + j], x = x0 + e * nIn + k;
        s0 += g * f[x];
        s1 += g * f[x + 1];
        s2 += g * f[x + 2];
        s3 += g * f[x + 3];
      }
      f[t + k] = decay * f[t + k] + s0;
      f[t + k + 1] = decay * f[t + k + 1] + s1;
      f[t + k + 2] = decay * f[t + k + 2] + s2;
      f[t + k + 3] = decay * f[t + k + 3] + s3;
    }
    for (; k < kEnd; k++) {
      let s = 0;
      for (let e = 0; e < m; e++) s += f[d0 + e * nOut + j] * f[x0 + e * nIn + k];
      f[t + k] = decay * f[t + k] + s;
    }
    if (kStart === 0) {
      let biasSum = 0;
      for (let e = 0; e < m; e++) biasSum += f[d0 + e * nOut + j];
      f[tb + j] += biasSum;
    }
  }
}

/** denseAccumulate in f64 indices: target rows jStart..jEnd, the examples four at a time down each row. */
function accumulateRows(f: Float64Array, d0: number, x0: number, m: number, nOut: number, nIn: number, t0: number, tb: number, decay: number, jStart: number, jEnd: number): void {
  let j = jStart;
  // Two rows per sweep share the loads of the inputs; each row's sums are its own, in the one-row order.
  for (; j + 2 <= jEnd; j += 2) {
    const t = t0 + j * nIn, u = t + nIn;
    if (decay !== 1) for (let k = 0; k < nIn; k++) { f[t + k] *= decay; f[u + k] *= decay; }
    let biasT = 0, biasU = 0;
    let e = 0;
    for (; e + 4 <= m; e += 4) {
      const da = d0 + e * nOut + j, db = da + nOut, dc = db + nOut, dd = dc + nOut;
      const g0 = f[da], g1 = f[db], g2 = f[dc], g3 = f[dd];
      const h0 = f[da + 1], h1 = f[db + 1], h2 = f[dc + 1], h3 = f[dd + 1];
      biasT += g0 + g1 + (g2 + g3);
      biasU += h0 + h1 + (h2 + h3);
      const xa = x0 + e * nIn, xb = xa + nIn, xc = xb + nIn, xd = xc + nIn;
      for (let k = 0; k < nIn; k++) {
        const va = f[xa + k], vb = f[xb + k], vc = f[xc + k], vd = f[xd + k];
        f[t + k] += g0 * va + g1 * vb + (g2 * vc + g3 * vd);
        f[u + k] += h0 * va + h1 * vb + (h2 * vc + h3 * vd);
      }
    }
    for (; e + 2 <= m; e += 2) {
      const da = d0 + e * nOut + j, db = da + nOut;
      const g0 = f[da], g1 = f[db], h0 = f[da + 1], h1 = f[db + 1];
      biasT += g0 + g1;
      biasU += h0 + h1;
      const xa = x0 + e * nIn, xb = xa + nIn;
      for (let k = 0; k < nIn; k++) {
        const va = f[xa + k], vb = f[xb + k];
        f[t + k] += g0 * va + g1 * vb;
        f[u + k] += h0 * va + h1 * vb;
      }
    }
    if (e < m) {
      const da = d0 + e * nOut + j;
      const g = f[da], h = f[da + 1];
      biasT += g;
      biasU += h;
      const x = x0 + e * nIn;
      for (let k = 0; k < nIn; k++) {
        const v = f[x + k];
        f[t + k] += g * v;
        f[u + k] += h * v;
      }
    }
    f[tb + j] += biasT;
    f[tb + j + 1] += biasU;
  }
  for (; j < jEnd; j++) {
    const t = t0 + j * nIn;
    if (decay !== 1) for (let k = 0; k < nIn; k++) f[t + k] *= decay;
    let biasSum = 0;
    // Four examples per sweep of the row: a quarter of the loads and stores of the target.
    let e = 0;
    for (; e + 4 <= m; e += 4) {
      const g0 = f[d0 + e * nOut + j], g1 = f[d0 + (e + 1) * nOut + j];
      const g2 = f[d0 + (e + 2) * nOut + j], g3 = f[d0 + (e + 3) * nOut + j];
      biasSum += g0 + g1 + (g2 + g3);
      const xa = x0 + e * nIn, xb = xa + nIn, xc = xb + nIn, xd = xc + nIn;
      for (let k = 0; k < nIn; k++) f[t + k] += g0 * f[xa + k] + g1 * f[xb + k] + (g2 * f[xc + k] + g3 * f[xd + k]);
    }
    for (; e + 2 <= m; e += 2) {
      const g0 = f[d0 + e * nOut + j], g1 = f[d0 + (e + 1) * nOut + j];
      biasSum += g0 + g1;
      const xa = x0 + e * nIn, xb = xa + nIn;
      for (let k = 0; k < nIn; k++) f[t + k] += g0 * f[xa + k] + g1 * f[xb + k];
    }
    if (e < m) {
      const g = f[d0 + e * nOut + j];
      biasSum += g;
      const x = x0 + e * nIn;
      for (let k = 0; k < nIn; k++) f[t + k] += g * f[x + k];
    }
    f[tb + j] += biasSum;
  }
}
