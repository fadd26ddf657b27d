// Backpropagation of the error to a layer's inputs (BP2).
// Mirrors assembly/backward.ts; pointers are byte offsets into the arena, so f64 index = ptr / 8. Arguments arrive
// as doubles: `| 0` and `>> 3` give the loops int32 indices (see forward.ts).
import type { Arena } from '../arena.js';
import { CORE_CONSTANTS } from '../contract.js';
import type { Kernels } from '../kernels.js';

const { RELU } = CORE_CONSTANTS;

export function backwardKernels(arena: Arena): Pick<Kernels, 'denseBackwardInput'> {
  return {
    denseBackwardInput(deltaOut, m, nOut, weights, nIn, inputs, activationIn, deltaIn, kStart, kEnd) {
      backwardColumns(arena.f64, deltaOut >> 3, m | 0, nOut | 0, weights >> 3, nIn | 0, inputs >> 3, activationIn === RELU, deltaIn >> 3, kStart | 0, kEnd | 0);
    },
  };
}

/** denseBackwardInput in f64 indices: each input column's sum over the output rows in row order, times sigma'. */
function backwardColumns(f: Float64Array, dOut0: number, m: number, nOut: number, w0: number, nIn: number, a0: number, relu: boolean, dIn0: number, kStart: number, kEnd: number): void {
  for (let e = 0; e < m; e++) {
    const dOut = dOut0 + e * nOut, dIn = dIn0 + e * nIn, a = a0 + e * nIn;
    let k = kStart;
    // Four columns at a time, each summed in registers down the rows (one load of each delta for the four).
    for (; k + 4 <= kEnd; k += 4) {
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let j = 0; j < nOut; j++) {
        const g = f[dOut + j], w = w0 + j * nIn + k;
        s0 += g * f[w];
        s1 += g * f[w + 1];
        s2 += g * f[w + 2];
        s3 += g * f[w + 3];
      }
      f[dIn + k] = s0 * derivative(f[a + k], relu);
      f[dIn + k + 1] = s1 * derivative(f[a + k + 1], relu);
      f[dIn + k + 2] = s2 * derivative(f[a + k + 2], relu);
      f[dIn + k + 3] = s3 * derivative(f[a + k + 3], relu);
    }
    for (; k < kEnd; k++) {
      let s = 0;
      for (let j = 0; j < nOut; j++) s += f[dOut + j] * f[w0 + j * nIn + k];
      f[dIn + k] = s * derivative(f[a + k], relu);
    }
  }
}

/** sigma'(z) from the activation a = sigma(z): ReLU's step, or the sigmoid's a (1 - a). */
function derivative(a: number, relu: boolean): number {
  return relu ? (a > 0 ? 1 : 0) : a * (1 - a);
}
