// The debug build speaks: a broken kernel contract is an Error naming the assert, its file and line, and the
// build computes exactly what the optimised standard-SIMD build computes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Network } from '../src/engine/network.js';
import { loadWasmCore } from '../src/engine/wasm.js';
import { readWasmFromDisk } from '../src/engine/wasm-node.js';
import { spec, syntheticData } from './helpers.js';

test('a kernel called outside its contract throws an Error with the assert message, file and line', async () => {
  const { kernels, arena } = await loadWasmCore(readWasmFromDisk, 'standard', false, true);
  const buffer = arena.alloc(4096);
  // Output rows 0..9 of a 4-row layer.
  assert.throws(
    () => kernels.denseForward(buffer, 1, 4, buffer, buffer, 4, buffer, 0, buffer, 0, 0, 9),
    (error: unknown) => error instanceof Error && /^abort: denseForward: output rows outside the layer at assembly\/forward\.ts:\d+:\d+$/.test(error.message),
  );
  assert.throws(() => kernels.denseAccumulate(buffer, buffer, 40, 4, 4, buffer, buffer, 1, buffer, 1, 0, 4), /abort: denseAccumulate: example masks hold at most MASK_EXAMPLES examples at assembly\/update\.ts:\d+/);
});

test('the release build has no such checks: the same call does not throw there', async () => {
  const { kernels, arena } = await loadWasmCore(readWasmFromDisk, 'standard');
  const buffer = arena.alloc(4096);
  assert.doesNotThrow(() => kernels.denseAccumulate(buffer, buffer, 2, 4, 4, buffer + 1024, buffer + 2048, 1, buffer + 3072, 0, 0, 4));
});

test('the debug build trains to the bits of the standard build', async () => {
  const data = syntheticData(40, 30, 5, 2);
  const run = async (debug: boolean) => {
    const network = await Network.create(spec([30, 17, 9, 5]), { engine: 'wasm', simd: 'standard', debug, init: { seed: 3 } });
    const handle = network.upload(data);
    for (let s = 0; s < 8; s++) network.trainBatch(handle, new Uint32Array(5).map((_, i) => (5 * s + i) % 40), { eta: 0.5, lambda: 1 });
    return network.getParameters();
  };
  assert.deepEqual(await run(true), await run(false));
  await assert.rejects(Network.create(spec([4, 3]), { engine: 'wasm', debug: true, threads: 2 }), /the debug build runs one thread only/);
});
