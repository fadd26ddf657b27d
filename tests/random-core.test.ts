// The core's generator (dropout masks, distortions) is the host's Random to the bit, in every build and the twin.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Arena } from '../src/engine/arena.js';
import { createTsKernels } from '../src/engine/twin/index.js';
import { loadWasmCore } from '../src/engine/wasm.js';
import type { SimdBuild } from '../src/engine/wasm.js';
import { readWasmFromDisk } from '../src/engine/wasm-node.js';
import { Random } from '../src/util/random.js';
import type { Kernels } from '../src/engine/kernels.js';

const N = 1000;

async function engines(): Promise<{ label: string; kernels: Kernels; arena: Arena }[]> {
  const list: { label: string; kernels: Kernels; arena: Arena }[] = [];
  const arena = new Arena();
  list.push({ label: 'ts twin', kernels: createTsKernels(arena), arena });
  for (const simd of ['standard', 'relaxed'] as SimdBuild[]) {
    const core = await loadWasmCore(readWasmFromDisk, simd, false, false).catch(() => undefined);
    if (core) list.push({ label: `wasm ${simd}`, kernels: core.kernels, arena: core.arena });
  }
  list.push({ label: 'wasm debug', ...(await loadWasmCore(readWasmFromDisk, 'standard', false, true)) });
  return list;
}

for (const { label, kernels, arena } of await engines()) {
  test(`${label}: fillUniform draws Random's uniforms from Random's state, and advances the state as Random does`, () => {
    const host = new Random(20261201);
    const state = arena.alloc(16);
    const out = arena.alloc(8 * N);
    arena.u32.set(host.getState(), state >> 2);
    kernels.fillUniform(state, out, N);
    const expected = Float64Array.from({ length: N }, () => host.uniform());
    assert.deepEqual(arena.f64.slice(out >> 3, (out >> 3) + N), expected);
    assert.deepEqual([...arena.u32.subarray(state >> 2, (state >> 2) + 4)], host.getState());
    assert.ok(new Set(expected).size === N && expected.every((u) => u >= 0 && u < 1), 'distinct draws in [0, 1)');
  });
}

test('a network seeds one stream per use from its seed, and hands its generator states out and back', async () => {
  const { Network, GENERATOR_NAMES } = await import('../src/engine/network.js');
  const network = await Network.create({ layers: [4, 3, 2] }, { engine: 'ts', init: { seed: 7 } });
  const seeded = network.getGeneratorStates();
  assert.deepEqual(Object.keys(seeded), [...GENERATOR_NAMES]);
  const words = GENERATOR_NAMES.map((name) => seeded[name].join(','));
  assert.equal(new Set([...words, new Random(7).getState().join(',')]).size, GENERATOR_NAMES.length + 1, 'streams differ from each other and from the shuffle');
  network.seedGenerators(8);
  assert.notDeepEqual(network.getGeneratorStates(), seeded);
  network.setGeneratorStates(seeded);
  assert.deepEqual(network.getGeneratorStates(), seeded);
  assert.throws(() => network.setGeneratorStates({ ...seeded, dropout: [0, 0, 0, 0] }), /generator state "dropout" must be 4 unsigned 32-bit integers, not all zero/);
  assert.throws(() => network.setGeneratorStates({ ...seeded, augment: [1, 2, 3] }), /generator state "augment"/);
});
