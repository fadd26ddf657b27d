/**
 * mnist-wasm for browsers (and bundlers): the same engine, trainer, model format and preprocessing as the
 * Node entry, with the .wasm builds fetched from beside this module. Nothing here touches node: modules.
 */
import { gatherTransformed } from './engine/augment-record.js';
import type { InputTransform } from './engine/augment-record.js';
import { setEngineDefaults } from './engine/network.js';
import { loadWasmCore } from './engine/wasm.js';
import type { WasmBytesReader, WasmFileName } from './engine/wasm.js';
import { Random } from './util/random.js';
import { spawnWebWorker } from './engine/threads-browser.js';

// Literal `new URL(..., import.meta.url)` so bundlers (Vite, webpack 5, esbuild with a loader) copy the files.
const WASM_URLS: Record<WasmFileName, URL> = {
  'mnist.wasm': new URL('../build/mnist.wasm', import.meta.url),
  'mnist-relaxed.wasm': new URL('../build/mnist-relaxed.wasm', import.meta.url),
  'mnist-shared.wasm': new URL('../build/mnist-shared.wasm', import.meta.url),
  'mnist-relaxed-shared.wasm': new URL('../build/mnist-relaxed-shared.wasm', import.meta.url),
  'mnist-debug.wasm': new URL('../build/mnist-debug.wasm', import.meta.url),
};

/** Fetches a build of the core from beside this module. */
export const readWasmByFetch: WasmBytesReader = async (file) => {
  const url = WASM_URLS[file];
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url.href}: HTTP ${response.status}`);
  return response.arrayBuffer();
};

setEngineDefaults({ readWasm: readWasmByFetch, spawnWorker: spawnWebWorker });

/**
 * Rows of `images` (count x inputSize bytes) as a training gather with these distortions makes them (values 0..1),
 * by the core's own kernels in a fresh core whose streams start from `seed`: a picture of what a network sees.
 */
export async function distortImages(images: Uint8Array, inputSize: number, transform: InputTransform, seed: number): Promise<Float64Array> {
  const core = await loadWasmCore(readWasmByFetch);
  const states = { augment: new Random(seed).getState(), inputDropout: new Random(seed + 1).getState() };
  return gatherTransformed(core, images, inputSize, transform, states).inputs;
}
export type { InputTransform } from './engine/augment-record.js';

export * from './common.js';
