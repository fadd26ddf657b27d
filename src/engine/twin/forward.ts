// The dense layer's forward pass: output = activation(input . weights^T + biases).
// Mirrors assembly/forward.ts; pointers are byte offsets into the arena, so f64 index = ptr / 8.
import type { Arena } from '../arena.js';
import { CORE_CONSTANTS } from '../contract.js';
import type { Kernels } from '../kernels.js';

const { RELU, SOFTMAX } = CORE_CONSTANTS;

export function forwardKernels(arena: Arena): Pick<Kernels, 'denseForward' | 'forwardExamples'> {
  return {
    // Arguments arrive as doubles (the arena rounds pointers up with Math.ceil); `| 0` and `>> 3` give the loops
    // int32 indices, which V8 keeps in registers instead of checking a double at every array access.
    denseForward(input, m, nIn, weights, biases, nOut, output, activation, _lists, _listStride, jStart, jEnd) {
      forwardRows(arena.f64, input >> 3, m | 0, nIn | 0, weights >> 3, biases >> 3, nOut | 0, output >> 3, activation | 0, jStart | 0, jEnd | 0);
    },

    // The twin computes densely: denseForward over the examples' rows.
    forwardExamples(input, nIn, weights, biases, nOut, output, activation, _lists, _listStride, eStart, eEnd) {
      const first = eStart | 0, inputs = nIn | 0, outputs = nOut | 0;
      forwardRows(arena.f64, (input >> 3) + first * inputs, (eEnd | 0) - first, inputs, weights >> 3, biases >> 3, outputs, (output >> 3) + first * outputs, activation | 0, 0, outputs);
    },
  };
}

/** denseForward in f64 indices: rows jStart..jEnd of m examples, then the softmax of whole rows. */
function forwardRows(f: Float64Array, x0: number, m: number, nIn: number, w0: number, b0: number, nOut: number, o0: number, activation: number, jStart: number, jEnd: number): void {
  // Weight row outer, examples inner: the row stays in cache while the whole batch uses it; two examples per
  // sweep of the row share its loads.
  for (let j = jStart; j < jEnd; j++) {
    const w = w0 + j * nIn, bias = f[b0 + j];
    let e = 0;
    for (; e + 2 <= m; e += 2) {
      const xa = x0 + e * nIn, xb = xa + nIn;
      // Four partial sums per example: one long dependency chain would leave the CPU waiting on each add.
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0, t0 = 0, t1 = 0, t2 = 0, t3 = 0;
      let k = 0;
      for (; k + 4 <= nIn; k += 4) {
        const v0 = f[w + k], v1 = f[w + k + 1], v2 = f[w + k + 2], v3 = f[w + k + 3];
        s0 += v0 * f[xa + k];
        s1 += v1 * f[xa + k + 1];
        s2 += v2 * f[xa + k + 2];
        s3 += v3 * f[xa + k + 3];
        t0 += v0 * f[xb + k];
        t1 += v1 * f[xb + k + 1];
        t2 += v2 * f[xb + k + 2];
        t3 += v3 * f[xb + k + 3];
      }
      for (; k < nIn; k++) {
        s0 += f[w + k] * f[xa + k];
        t0 += f[w + k] * f[xb + k];
      }
      f[o0 + e * nOut + j] = activate(bias + (s0 + s1 + (s2 + s3)), activation);
      f[o0 + (e + 1) * nOut + j] = activate(bias + (t0 + t1 + (t2 + t3)), activation);
    }
    if (e < m) {
      const x = x0 + e * nIn;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      let k = 0;
      for (; k + 4 <= nIn; k += 4) {
        s0 += f[w + k] * f[x + k];
        s1 += f[w + k + 1] * f[x + k + 1];
        s2 += f[w + k + 2] * f[x + k + 2];
        s3 += f[w + k + 3] * f[x + k + 3];
      }
      for (; k < nIn; k++) s0 += f[w + k] * f[x + k];
      f[o0 + e * nOut + j] = activate(bias + (s0 + s1 + (s2 + s3)), activation);
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
}

/** The layer's activation of z (softmax: z itself, normalised over the row afterwards). */
function activate(z: number, activation: number): number {
  return activation === RELU ? (z > 0 ? z : 0) : activation === SOFTMAX ? z : 1 / (1 + Math.exp(-z));
}
