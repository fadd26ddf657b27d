// Inverted dropout of hidden units. Mirrors assembly/dropout.ts; pointers are byte offsets into the arena.
import type { Arena } from '../arena.js';
import type { Kernels } from '../kernels.js';
import { nextUniform } from './random.js';

export function dropoutKernels(arena: Arena): Pick<Kernels, 'dropoutMask' | 'applyMask'> {
  return {
    dropoutMask(state, values, dropped, mask, count, p) {
      const f = arena.f64, u32 = arena.u32;
      const keep = 1 / (1 - p);
      for (let i = 0; i < count; i++) {
        const scale = nextUniform(u32, state) < p ? 0 : keep;
        f[(mask >> 3) + i] = scale;
        f[(dropped >> 3) + i] = f[(values >> 3) + i] * scale;
      }
    },

    applyMask(values, mask, count) {
      const f = arena.f64;
      for (let i = 0; i < count; i++) f[(values >> 3) + i] *= f[(mask >> 3) + i];
    },
  };
}
