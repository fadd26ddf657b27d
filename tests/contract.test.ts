// One source for each fact the host and the core share: the wasm file names everywhere they appear, and the
// constants and kernel arities the core exports, compared at load.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkCoreContract, CORE_CONSTANTS, KERNEL_ARITY } from '../src/engine/contract.js';
import { DEBUG_WASM_FILE, instantiateCore, SHARED_WASM_FILES, WASM_FILES } from '../src/engine/wasm.js';
import { readWasmFromDisk } from '../src/engine/wasm-node.js';
import { REPO_ROOT } from './helpers.js';

const FILES = [...Object.values(WASM_FILES), ...Object.values(SHARED_WASM_FILES), DEBUG_WASM_FILE].sort();

test('asconfig.json builds exactly the files the host loads, and build:wasm / build:debug run every target', () => {
  const config = JSON.parse(readFileSync(join(REPO_ROOT, 'asconfig.json'), 'utf8')) as { targets: Record<string, { outFile: string }> };
  const scripts = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  const targets = Object.entries(config.targets);
  assert.deepEqual(targets.map(([, target]) => target.outFile).sort(), FILES.map((file) => `build/${file}`));
  for (const [name] of targets) assert.match(scripts[name === 'debug' ? 'build:debug' : 'build:wasm'], new RegExp(`--target ${name}( |$)`), `a script builds ${name}`);
  assert.match(scripts.build, /build:wasm && npm run build:debug && npm run build:ts/);
});

test('the browser entry fetches every build by a URL ending in its file name', () => {
  const source = readFileSync(join(REPO_ROOT, 'src', 'browser.ts'), 'utf8');
  const urls = [...source.matchAll(/'([\w-]+\.wasm)': new URL\('\.\.\/build\/([\w-]+\.wasm)'/g)];
  assert.deepEqual(urls.map((m) => m[1]).sort(), FILES);
  for (const [, key, file] of urls) assert.equal(file, key);
});

test('every build exports the host constants and kernels with the host arities', async () => {
  for (const file of FILES) {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 16, shared: file.includes('shared') });
    const module = await WebAssembly.compile((await readWasmFromDisk(file)) as BufferSource).catch(() => undefined);
    if (!module) continue; // relaxed SIMD needs a flag on Node 20; the equivalence tests say which builds ran
    const core = (await instantiateCore(module, memory, file)) as unknown as Record<string, unknown>;
    for (const [name, value] of Object.entries(CORE_CONSTANTS)) assert.equal((core[name] as WebAssembly.Global).value, value, `${file}: ${name}`);
  }
});

test('a core whose constants or kernels differ from the host is refused with what differs', () => {
  const kernels = Object.fromEntries(Object.entries(KERNEL_ARITY).map(([name, arity]) => [name, { length: arity }]));
  const good = { ...CORE_CONSTANTS, ...Object.fromEntries(Object.entries(kernels).map(([name, k]) => [name, Object.assign(() => 0, { original: k })])) };
  assert.doesNotThrow(() => checkCoreContract(good, 'good.wasm'));
  const bad = { ...good, SOFTMAX: 3, sumSquares: Object.assign(() => 0, { original: { length: 3 } }) };
  assert.throws(() => checkCoreContract(bad, 'old.wasm'), {
    message: 'old.wasm: the core does not match this host (SOFTMAX is 3, the host expects 2; sumSquares takes 3 arguments, the host passes 2): rebuild with npm run build',
  });
});

test('the TypeScript twin mirrors the kernel files of assembly/ file for file', () => {
  const kernelFiles = (dir: string, shared: string[]) => readdirSync(join(REPO_ROOT, dir)).filter((f) => f.endsWith('.ts') && !shared.includes(f)).sort();
  const core = kernelFiles('assembly', ['index.ts', 'constants.ts', 'simd.ts']);
  assert.deepEqual(kernelFiles('src/engine/twin', ['index.ts']), core);
  assert.deepEqual(core, ['augment.ts', 'backward.ts', 'cost.ts', 'dropout.ts', 'forward.ts', 'ink.ts', 'optim.ts', 'random.ts', 'update.ts']);
});
