import type { Arena } from '../arena.js';
import type { Kernels } from '../kernels.js';
import { backwardKernels } from './backward.js';
import { costKernels } from './cost.js';
import { dropoutKernels } from './dropout.js';
import { forwardKernels } from './forward.js';
import { inkKernels } from './ink.js';
import { optimKernels } from './optim.js';
import { randomKernels } from './random.js';
import { updateKernels } from './update.js';

/**
 * The kernels in plain TypeScript over the same arena layout, file for file as in assembly/: the readable
 * reference for the wasm core and the benchmark baseline. The twin always computes densely.
 */
export function createTsKernels(arena: Arena): Kernels {
  return { ...inkKernels(arena), ...forwardKernels(arena), ...backwardKernels(arena), ...updateKernels(arena), ...costKernels(arena), ...randomKernels(arena), ...optimKernels(arena), ...dropoutKernels(arena) };
}
