/**
 * mnist-wasm for browsers (and bundlers): the same engine, trainer, model format and preprocessing as the
 * Node entry, with the .wasm builds fetched from beside this module. Nothing here touches node: modules.
 */
import { setEngineDefaults } from './engine/network.js';
import type { WasmBytesReader, WasmFileName } from './engine/wasm.js';
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

export * from './common.js';
