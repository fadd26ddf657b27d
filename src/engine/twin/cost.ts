// The output layer's error (BP1) and scoring, and the sum of squares of the L2 term.
// Mirrors assembly/cost.ts; pointers are byte offsets into the arena, so f64 index = ptr / 8.
import type { Arena } from '../arena.js';
import { CORE_CONSTANTS } from '../contract.js';
import type { Kernels } from '../kernels.js';

const { SOFTMAX, QUADRATIC } = CORE_CONSTANTS;

export function costKernels(arena: Arena): Pick<Kernels, 'outputDelta' | 'scoreOutputs' | 'scoreGroups' | 'sumSquares'> {
  const kernels: Pick<Kernels, 'outputDelta' | 'scoreOutputs' | 'scoreGroups' | 'sumSquares'> = {
    outputDelta(output, targets, m, n, cost, activation, scale, delta) {
      const f = arena.f64, u8 = arena.u8;
      for (let e = 0; e < m; e++) {
        const a = (output >> 3) + e * n;
        const d = (delta >> 3) + e * n;
        const label = u8[targets + e];
        let dot = 0;
        if (cost === QUADRATIC && activation === SOFTMAX) {
          for (let k = 0; k < n; k++) dot += (f[a + k] - (k === label ? 1 : 0)) * f[a + k];
        }
        for (let j = 0; j < n; j++) {
          const aj = f[a + j];
          const err = aj - (j === label ? 1 : 0);
          let v = err;
          if (cost === QUADRATIC) v = activation === SOFTMAX ? aj * (err - dot) : err * aj * (1 - aj);
          f[d + j] = v * scale;
        }
      }
    },

    scoreOutputs(output, targets, m, n, cost, activation, result) {
      const f = arena.f64, u8 = arena.u8;
      let total = 0;
      let correct = 0;
      for (let e = 0; e < m; e++) {
        const a = (output >> 3) + e * n;
        const label = u8[targets + e];
        let best = 0;
        for (let j = 0; j < n; j++) {
          const aj = f[a + j];
          if (aj > f[a + best]) best = j;
          const y = j === label ? 1 : 0;
          if (cost === QUADRATIC) total += 0.5 * (aj - y) * (aj - y);
          else if (j === label) total -= Math.log(Math.max(aj, 1e-300));
          else if (activation !== SOFTMAX) total -= Math.log(Math.max(1 - aj, 1e-300));
        }
        if (best === label) correct++;
      }
      f[result >> 3] += total;
      f[(result >> 3) + 1] += correct;
    },

    scoreGroups(output, targets, n, cost, activation, group, partials, eStart, eEnd) {
      for (let e = eStart; e < eEnd; e += group) {
        const at = partials + (e / group) * 16;
        arena.f64.fill(0, at >> 3, (at >> 3) + 2);
        kernels.scoreOutputs(output + e * n * 8, targets + e, Math.min(group, eEnd - e), n, cost, activation, at);
      }
    },

    sumSquares(values, n) {
      const f = arena.f64;
      let s = 0;
      for (let i = values >> 3, end = i + n; i < end; i++) s += f[i] * f[i];
      return s;
    },
  };
  return kernels;
}
