// The dense layer's forward pass: output = activation(input . weights^T + biases).
// Mirrors assembly/forward.ts; pointers are byte offsets into the arena, so f64 index = ptr / 8.
import type { Arena } from '../arena.js';
import { CORE_CONSTANTS } from '../contract.js';
import type { Kernels } from '../kernels.js';

const { RELU, SOFTMAX } = CORE_CONSTANTS;

export function forwardKernels(arena: Arena): Pick<Kernels, 'denseForward' | 'forwardExamples'> {
  const kernels: Pick<Kernels, 'denseForward' | 'forwardExamples'> = {
    denseForward(input, m, nIn, weights, biases, nOut, output, activation, _lists, _listStride, jStart, jEnd) {
      const f = arena.f64;
      const x0 = input >> 3, w0 = weights >> 3, b0 = biases >> 3, o0 = output >> 3;
      // Weight row outer, examples inner: the row stays in cache while the whole batch uses it.
      for (let j = jStart; j < jEnd; j++) {
        const w = w0 + j * nIn;
        for (let e = 0; e < m; e++) {
          const x = x0 + e * nIn;
          // Four partial sums: one long dependency chain would leave the CPU waiting on each add.
          let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
          let k = 0;
          for (; k + 4 <= nIn; k += 4) {
            s0 += f[w + k] * f[x + k];
            s1 += f[w + k + 1] * f[x + k + 1];
            s2 += f[w + k + 2] * f[x + k + 2];
            s3 += f[w + k + 3] * f[x + k + 3];
          }
          for (; k < nIn; k++) s0 += f[w + k] * f[x + k];
          const z = f[b0 + j] + (s0 + s1 + (s2 + s3));
          f[o0 + e * nOut + j] = activation === RELU ? (z > 0 ? z : 0) : activation === SOFTMAX ? z : 1 / (1 + Math.exp(-z));
        }
      }
      if (activation === SOFTMAX) {
        for (let e = 0; e < m; e++) {
          const o = o0 + e * nOut;
          let max = -Infinity;
          for (let j = 0; j < nOut; j++) max = Math.max(max, f[o + j]);
          let sum = 0;
          for (let j = 0; j < nOut; j++) sum += f[o + j] = Math.exp(f[o + j] - max);
          for (let j = 0; j < nOut; j++) f[o + j] *= 1 / sum;
        }
      }
    },

    // The twin computes densely: denseForward over the examples' rows.
    forwardExamples(input, nIn, weights, biases, nOut, output, activation, _lists, _listStride, eStart, eEnd) {
      kernels.denseForward(input + eStart * nIn * 8, eEnd - eStart, nIn, weights, biases, nOut, output + eStart * nOut * 8, activation, 0, 0, 0, nOut);
    },
  };
  return kernels;
}
