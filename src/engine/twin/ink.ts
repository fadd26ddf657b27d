// Gathering a mini-batch. The twin computes densely: the block lists of where examples have ink are the wasm core's shortcut.
// Mirrors assembly/ink.ts; pointers are byte offsets into the arena, so f64 index = ptr / 8.
import type { Arena } from '../arena.js';
import type { Kernels } from '../kernels.js';
import { distortRow, distorts, dropRow, dropsInputs } from './augment.js';

export function inkKernels(arena: Arena): Pick<Kernels, 'gatherBatch' | 'denseLists'> {
  return {
    gatherBatch(images, labels, indices, first, count, inputSize, inputs, targets, _pairLists, _pairStride, _accumulateList, _scratch, augment) {
      const { u8, u32, f64 } = arena;
      // Arguments arrive as doubles: int32 copies keep the indices in integers (see forward.ts).
      const n = inputSize | 0, m = count | 0;
      for (let e = 0; e < m; e++) {
        const row = indices ? u32[(indices >> 2) + e] : (first | 0) + e;
        u8[targets + e] = u8[labels + row];
        const src = (images | 0) + row * n;
        const dst = inputs + e * n * 8;
        if (augment && distorts(arena, augment)) distortRow(arena, src, dst, augment);
        else for (let k = 0, at = dst >> 3; k < n; k++) f64[at + k] = u8[src + k] * (1 / 255);
        if (augment && dropsInputs(arena, augment)) dropRow(arena, dst, n, augment);
      }
    },

    denseLists() {
      // The twin computes densely: nothing to list.
    },
  };
}
