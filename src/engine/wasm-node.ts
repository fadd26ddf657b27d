import { readFile } from 'node:fs/promises';
import type { WasmBytesReader } from './wasm.js';

/** The builds sit in build/ at the package root, two levels above this module in src/ and in dist/. */
export const readWasmFromDisk: WasmBytesReader = (file) => readFile(new URL(`../../build/${file}`, import.meta.url));
