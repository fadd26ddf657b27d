import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Network } from '../src/engine/network.js';
import type { EngineName } from '../src/engine/network.js';
import type { SimdBuild } from '../src/engine/wasm.js';
import type { NetworkSpec } from '../src/model/spec.js';

/** The real MNIST beside the repository (CI has it there), or MNIST_DIR. */
export const MNIST_DIR = process.env.MNIST_DIR ?? fileURLToPath(new URL('../../shared/data/mnist', import.meta.url));
if (!existsSync(MNIST_DIR)) throw new Error(`tests need real MNIST at ${MNIST_DIR} (or set MNIST_DIR)`);

export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Every engine and wasm build this runtime can run: ts, wasm standard, and wasm relaxed when validated. */
export async function engineVariants(): Promise<{ label: string; engine: EngineName; simd?: SimdBuild }[]> {
  const variants: { label: string; engine: EngineName; simd?: SimdBuild }[] = [
    { label: 'ts', engine: 'ts' },
    { label: 'wasm standard SIMD', engine: 'wasm', simd: 'standard' },
  ];
  const probe = await Network.create({ layers: [2, 2] }, { engine: 'wasm', simd: 'auto' });
  if (probe.simd === 'relaxed') variants.push({ label: 'wasm relaxed SIMD', engine: 'wasm', simd: 'relaxed' });
  return variants;
}

/** Random bytes and labels, deterministic. */
export function syntheticData(count: number, inputSize: number, classes: number, seed = 7): { images: Uint8Array; labels: Uint8Array; count: number; inputSize: number } {
  let x = seed >>> 0;
  const next = (): number => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x >>> 24;
  };
  const images = new Uint8Array(count * inputSize).map(() => next());
  const labels = new Uint8Array(count).map(() => next() % classes);
  return { images, labels, count, inputSize };
}

export function spec(layers: number[], rest: Partial<NetworkSpec> = {}): NetworkSpec {
  return { layers, activation: 'sigmoid', outputActivation: 'sigmoid', cost: 'cross-entropy', ...rest };
}

export function maxAbsDiff(a: Float64Array, b: Float64Array): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}
