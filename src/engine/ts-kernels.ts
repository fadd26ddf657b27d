import type { Arena } from './arena.js';
import { CORE_CONSTANTS } from './contract.js';
import type { Kernels } from './kernels.js';

const { RELU, SOFTMAX, QUADRATIC } = CORE_CONSTANTS;

/**
 * The kernels in plain TypeScript over the same arena layout: the readable reference for the wasm
 * core and the benchmark baseline. Pointers are byte offsets, so f64 index = ptr / 8. The twin always
 * computes densely: block lists (which columns are zero in a pair of examples or a
 * whole batch) are the wasm core's shortcut.
 */
export function createTsKernels(arena: Arena): Kernels {
  return {
    gatherBatch(images, labels, indices, first, count, inputSize, inputs, targets) {
      const { u8, u32, f64 } = arena;
      for (let e = 0; e < count; e++) {
        const row = indices ? u32[(indices >> 2) + e] : first + e;
        u8[targets + e] = u8[labels + row];
        const src = images + row * inputSize;
        const dst = (inputs >> 3) + e * inputSize;
        for (let k = 0; k < inputSize; k++) f64[dst + k] = u8[src + k] * (1 / 255);
      }
    },

    denseLists() {
      // The twin computes densely: nothing to list.
    },

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

    sumSquares(values, n) {
      const f = arena.f64;
      let s = 0;
      for (let i = values >> 3, end = i + n; i < end; i++) s += f[i] * f[i];
      return s;
    },
  };
}
