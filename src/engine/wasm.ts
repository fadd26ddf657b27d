import { instantiate } from '@assemblyscript/loader';
import { Arena } from './arena.js';
import type { Kernels } from './kernels.js';
import { ConfigError } from '../errors.js';

/** Which compiled core: f64x2 SIMD only, or with relaxed-SIMD fused multiply-add. */
export type SimdBuild = 'standard' | 'relaxed';
export type SimdChoice = SimdBuild | 'auto';

/** File names of the two builds, beside each other in build/. */
export const WASM_FILES: Record<SimdBuild, string> = {
  standard: 'mnist.wasm',
  relaxed: 'mnist-relaxed.wasm',
};

/** Reads a build's bytes: from disk in Node (wasm-node.ts), by fetch in browsers. */
export type WasmBytesReader = (file: string) => Promise<ArrayBuffer | Uint8Array>;

interface CoreExports extends Kernels {
  heapBase(): number;
}

export interface WasmCore {
  kernels: Kernels;
  arena: Arena;
  build: SimdBuild;
}

const modules = new Map<SimdBuild, Promise<WebAssembly.Module>>();

async function compile(build: SimdBuild, read: WasmBytesReader): Promise<WebAssembly.Module> {
  let module = modules.get(build);
  if (!module) {
    module = read(WASM_FILES[build]).then((bytes) => WebAssembly.compile(bytes as BufferSource));
    modules.set(build, module);
  }
  return module;
}

/** Whether this runtime accepts the relaxed-SIMD build (Node 20 needs --experimental-wasm-relaxed-simd). */
export async function relaxedSimdSupported(read: WasmBytesReader): Promise<boolean> {
  const bytes = await read(WASM_FILES.relaxed);
  return WebAssembly.validate(bytes as BufferSource);
}

/** Instantiates the core over a fresh memory that the host's arena owns. */
export async function loadWasmCore(read: WasmBytesReader, choice: SimdChoice = 'auto'): Promise<WasmCore> {
  let build: SimdBuild = choice === 'auto' ? ((await relaxedSimdSupported(read)) ? 'relaxed' : 'standard') : choice;
  if (choice === 'relaxed' && !(await relaxedSimdSupported(read))) {
    throw new ConfigError('this runtime does not support relaxed SIMD (Node 20: run with --experimental-wasm-relaxed-simd)');
  }
  if (typeof WebAssembly.validate !== 'function') build = 'standard';
  const module = await compile(build, read);
  const memory = new WebAssembly.Memory({ initial: 16, maximum: 32768 });
  const { exports } = await instantiate<Record<string, unknown>>(module, { env: { memory } });
  const core = exports as unknown as CoreExports;
  const arena = new Arena({ memory, base: core.heapBase(), maxBytes: 32768 * 65536 });
  return { kernels: core, arena, build };
}
