// The weight update: target = decay * target + delta^T . inputs (BP4) and the bias sums (BP3), fused into SGD.
// Mirrors assembly/update.ts; pointers are byte offsets into the arena, so f64 index = ptr / 8.
import type { Arena } from '../arena.js';
import type { Kernels } from '../kernels.js';

export function updateKernels(arena: Arena): Pick<Kernels, 'accumulateColumns' | 'denseAccumulate' | 'scaleAdd'> {
  return {
    accumulateColumns(delta, inputs, m, nOut, nIn, target, targetBiases, decay, kStart, kEnd) {
      const f = arena.f64;
      const d0 = delta >> 3, x0 = inputs >> 3, t0 = target >> 3, tb = targetBiases >> 3;
      for (let j = 0; j < nOut; j++) {
        const t = t0 + j * nIn;
        for (let k = kStart; k < kEnd; k++) {
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
    },

    denseAccumulate(delta, inputs, m, nOut, nIn, target, targetBiases, decay, _list, _masked, jStart, jEnd) {
      const f = arena.f64;
      const d0 = delta >> 3, x0 = inputs >> 3, t0 = target >> 3, tb = targetBiases >> 3;
      for (let j = jStart; j < jEnd; j++) {
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
    },

    scaleAdd(dst, src, n, decay) {
      const f = arena.f64;
      const d = dst >> 3, s = src >> 3;
      for (let i = 0; i < n; i++) f[d + i] = decay * f[d + i] + f[s + i];
    },
  };
}
