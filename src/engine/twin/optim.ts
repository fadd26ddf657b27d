// The optimizers beyond fused SGD, and max-norm. Mirrors assembly/optim.ts (the same operations in the same
// order, none fused, so the twin's steps round as the core's; each zeroes the gradient it read); pointers are byte
// offsets into the arena.
import type { Arena } from '../arena.js';
import type { Kernels } from '../kernels.js';

/** Scales the nIn weights at f64 index `row` to L2 norm maxNorm when they are longer (maxNorm 0: off). */
function clipRow(f: Float64Array, row: number, nIn: number, maxNorm: number): void {
  if (maxNorm <= 0) return;
  let sum = 0;
  for (let k = row; k < row + nIn; k++) sum += f[k] * f[k];
  const norm = Math.sqrt(sum);
  if (norm <= maxNorm) return;
  const scale = maxNorm / norm;
  for (let k = row; k < row + nIn; k++) f[k] = scale * f[k];
}

export function optimKernels(arena: Arena): Pick<Kernels, 'maxNormRows' | 'momentumRows' | 'adamRows'> {
  return {
    maxNormRows(weights, nIn, maxNorm, jStart, jEnd) {
      for (let j = jStart; j < jEnd; j++) clipRow(arena.f64, (weights >> 3) + j * nIn, nIn, maxNorm);
    },

    momentumRows(weights, biases, gradientOffset, velocityOffset, nIn, eta, mu, weightDecay, nesterov, maxNorm, jStart, jEnd) {
      const f = arena.f64;
      const dg = gradientOffset >> 3, dv = velocityOffset >> 3;
      // g = gradient + weightDecay * w; v = mu * v - eta * g; w += v, or (Nesterov) w += mu * v - eta * g.
      const one = (i: number, decay: number): void => {
        const w = f[i];
        const step = eta * (f[i + dg] + decay * w);
        f[i + dg] = 0;
        const v = mu * f[i + dv] - step;
        f[i + dv] = v;
        f[i] = w + (nesterov ? mu * v - step : v);
      };
      for (let j = jStart; j < jEnd; j++) {
        const row = (weights >> 3) + j * nIn;
        for (let i = row; i < row + nIn; i++) one(i, weightDecay);
        one((biases >> 3) + j, 0);
        clipRow(f, row, nIn, maxNorm);
      }
    },

    adamRows(weights, biases, gradientOffset, firstOffset, secondOffset, nIn, stepSize, beta1, beta2, epsilon, rootCorrection, decay, maxNorm, jStart, jEnd) {
      const f = arena.f64;
      const dg = gradientOffset >> 3, dm = firstOffset >> 3, dv = secondOffset >> 3;
      // m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2; w = decay w - stepSize m / (sqrt(v) * rootCorrection + epsilon).
      const one = (i: number, wDecay: number): void => {
        const g = f[i + dg];
        f[i + dg] = 0;
        const m = beta1 * f[i + dm] + (1 - beta1) * g;
        const v = beta2 * f[i + dv] + (1 - beta2) * (g * g);
        f[i + dm] = m;
        f[i + dv] = v;
        f[i] = wDecay * f[i] - (stepSize * m) / (Math.sqrt(v) * rootCorrection + epsilon);
      };
      for (let j = jStart; j < jEnd; j++) {
        const row = (weights >> 3) + j * nIn;
        for (let i = row; i < row + nIn; i++) one(i, decay);
        one((biases >> 3) + j, 1);
        clipRow(f, row, nIn, maxNorm);
      }
    },
  };
}
