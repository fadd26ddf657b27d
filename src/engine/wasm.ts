import { instantiate } from '@assemblyscript/loader';
import { Arena } from './arena.js';
import { checkCoreContract } from './contract.js';
import type { Kernels } from './kernels.js';
import { ConfigError } from '../errors.js';

/** Which compiled core: f64x2 SIMD only, or with relaxed-SIMD fused multiply-add. */
export type SimdBuild = 'standard' | 'relaxed';
export type SimdChoice = SimdBuild | 'auto';

/**
 * File names of the builds, beside each other in build/; the shared-memory ones serve several threads. The one
 * list: asconfig.json's targets and browser.ts's URLs are checked against it (tests/contract.test.ts, the compiler).
 */
export const WASM_FILES = {
  standard: 'mnist.wasm',
  relaxed: 'mnist-relaxed.wasm',
} as const satisfies Record<SimdBuild, string>;
export const SHARED_WASM_FILES = {
  standard: 'mnist-shared.wasm',
  relaxed: 'mnist-relaxed-shared.wasm',
} as const satisfies Record<SimdBuild, string>;
/** The debug build (npm run build:debug): standard SIMD, asserts kept, an abort throws an Error naming file and line. */
export const DEBUG_WASM_FILE = 'mnist-debug.wasm';
export type WasmFileName = (typeof WASM_FILES)[SimdBuild] | (typeof SHARED_WASM_FILES)[SimdBuild] | typeof DEBUG_WASM_FILE;

/** Pages of 64 KiB: the most memory an engine may use (2 GiB). */
export const MAX_PAGES = 32768;

/** Reads a build's bytes: from disk in Node (wasm-node.ts), by fetch in browsers. */
export type WasmBytesReader = (file: WasmFileName) => Promise<ArrayBuffer | Uint8Array>;

interface CoreExports extends Kernels {
  heapBase(): number;
}

export interface WasmCore {
  kernels: Kernels;
  arena: Arena;
  build: SimdBuild;
  /** The compiled module and its memory, for worker threads to instantiate over the same memory. */
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
}

const modules = new Map<string, Promise<WebAssembly.Module>>();

async function compile(file: WasmFileName, read: WasmBytesReader): Promise<WebAssembly.Module> {
  let module = modules.get(file);
  if (!module) {
    module = read(file).then((bytes) => WebAssembly.compile(bytes as BufferSource));
    modules.set(file, module);
    // A failed read or compile is not kept: the next network tries again.
    module.catch(() => modules.delete(file));
  }
  return module;
}

/** Instantiates a compiled core over a memory and checks it against the host (the main thread and workers). */
export async function instantiateCore(module: WebAssembly.Module, memory: WebAssembly.Memory, build = 'the wasm core'): Promise<CoreExports> {
  const { exports } = await instantiate<Record<string, unknown>>(module, { env: { memory } });
  checkCoreContract(exports, build);
  return exports as unknown as CoreExports;
}

/** Whether this runtime accepts the relaxed-SIMD build (Node 20 needs --experimental-wasm-relaxed-simd). */
export async function relaxedSimdSupported(read: WasmBytesReader): Promise<boolean> {
  const bytes = await read(WASM_FILES.relaxed);
  return WebAssembly.validate(bytes as BufferSource);
}

/** Instantiates the core over a fresh memory that the host's arena owns; shared for worker threads. */
export async function loadWasmCore(read: WasmBytesReader, choice: SimdChoice = 'auto', shared = false, debug = false): Promise<WasmCore> {
  if (debug && shared) throw new ConfigError('the debug build runs one thread only');
  let build: SimdBuild = debug ? 'standard' : choice === 'auto' ? ((await relaxedSimdSupported(read)) ? 'relaxed' : 'standard') : choice;
  if (!debug && choice === 'relaxed' && !(await relaxedSimdSupported(read))) {
    throw new ConfigError('this runtime does not support relaxed SIMD (Node 20: run with --experimental-wasm-relaxed-simd)');
  }
  if (typeof WebAssembly.validate !== 'function') build = 'standard';
  const file = debug ? DEBUG_WASM_FILE : (shared ? SHARED_WASM_FILES : WASM_FILES)[build];
  const module = await compile(file, read);
  const memory = new WebAssembly.Memory({ initial: 16, maximum: MAX_PAGES, shared });
  const core = await instantiateCore(module, memory, file);
  const arena = new Arena({ memory, base: core.heapBase(), maxBytes: MAX_PAGES * 65536 });
  return { kernels: core, arena, build, module, memory };
}
