// Gathering a mini-batch. The twin computes densely: the block lists of where examples have ink are the wasm core's shortcut.
// Mirrors assembly/ink.ts; pointers are byte offsets into the arena, so f64 index = ptr / 8.
import type { Arena } from '../arena.js';
import type { Kernels } from '../kernels.js';
import { distortRow, distorts, dropRow, dropsInputs } from './augment.js';

export function inkKernels(arena: Arena): Pick<Kernels, 'gatherBatch' | 'denseLists'> {
  return {
    gatherBatch(images, labels, indices, first, count, inputSize, inputs, targets, _pairLists, _pairStride, _accumulateList, _scratch, augment) {
      const { u8, u32, f64 } = arena;
      for (let e = 0; e < count; e++) {
        const row = indices ? u32[(indices >> 2) + e] : first + e;
        u8[targets + e] = u8[labels + row];
        const src = images + row * inputSize;
        const dst = inputs + e * inputSize * 8;
        if (augment && distorts(arena, augment)) distortRow(arena, src, dst, augment);
        else for (let k = 0; k < inputSize; k++) f64[(dst >> 3) + k] = u8[src + k] * (1 / 255);
        if (augment && dropsInputs(arena, augment)) dropRow(arena, dst, inputSize, augment);
      }
    },

    denseLists() {
      // The twin computes densely: nothing to list.
    },
  };
}
