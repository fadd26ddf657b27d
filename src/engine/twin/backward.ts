// Backpropagation of the error to a layer's inputs (BP2).
// Mirrors assembly/backward.ts; pointers are byte offsets into the arena, so f64 index = ptr / 8.
import type { Arena } from '../arena.js';
import { CORE_CONSTANTS } from '../contract.js';
import type { Kernels } from '../kernels.js';

const { RELU } = CORE_CONSTANTS;

export function backwardKernels(arena: Arena): Pick<Kernels, 'denseBackwardInput'> {
  return {
    denseBackwardInput(deltaOut, m, nOut, weights, nIn, inputs, activationIn, deltaIn, kStart, kEnd) {
      const f = arena.f64;
      const w0 = weights >> 3;
      for (let e = 0; e < m; e++) {
        const dOut = (deltaOut >> 3) + e * nOut;
        const dIn = (deltaIn >> 3) + e * nIn;
        const a = (inputs >> 3) + e * nIn;
        for (let k = kStart; k < kEnd; k++) f[dIn + k] = 0;
        for (let j = 0; j < nOut; j++) {
          const g = f[dOut + j];
          const w = w0 + j * nIn;
          for (let k = kStart; k < kEnd; k++) f[dIn + k] += g * f[w + k];
        }
        for (let k = kStart; k < kEnd; k++) {
          const ak = f[a + k];
          f[dIn + k] *= activationIn === RELU ? (ak > 0 ? 1 : 0) : ak * (1 - ak);
        }
      }
    },
  };
}
