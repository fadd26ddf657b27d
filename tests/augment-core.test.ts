// Distortions and input dropout as a training gather applies them: the twin and every wasm build make the same
// bytes from the same generator states, identity settings make the plain gather, and the geometry is right.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Arena } from '../src/engine/arena.js';
import { gatherTransformed, RECORD, writeAugmentRecord } from '../src/engine/augment-record.js';
import type { InputTransform } from '../src/engine/augment-record.js';
import { createTsKernels } from '../src/engine/twin/index.js';
import { loadWasmCore } from '../src/engine/wasm.js';
import type { SimdBuild } from '../src/engine/wasm.js';
import { readWasmFromDisk } from '../src/engine/wasm-node.js';
import type { Kernels } from '../src/engine/kernels.js';
import { loadMnist } from '../src/data/mnist.js';
import { validateAugment } from '../src/model/augment.js';
import { Random } from '../src/util/random.js';
import { MNIST_DIR } from './helpers.js';

const PIXELS = 784;
const ROWS = 24;
const { train } = await loadMnist(MNIST_DIR, { trainSize: 1000 });
const images = train.images.slice(100 * PIXELS, (100 + ROWS) * PIXELS);

type Core = { label: string; kernels: Kernels; arena: Arena };
async function cores(): Promise<Core[]> {
  const arena = new Arena();
  const list: Core[] = [{ label: 'ts twin', kernels: createTsKernels(arena), arena }];
  for (const simd of ['standard', 'relaxed'] as SimdBuild[]) {
    const core = await loadWasmCore(readWasmFromDisk, simd, false, false).catch(() => undefined);
    if (core) list.push({ label: `wasm ${simd}`, kernels: core.kernels, arena: core.arena });
  }
  list.push({ label: 'wasm debug', ...(await loadWasmCore(readWasmFromDisk, 'standard', false, true)) });
  return list;
}
const engines = await cores();
const seeded = () => ({ augment: new Random(11).getState(), inputDropout: new Random(12).getState() });

const TRANSFORMS: Record<string, InputTransform> = {
  affine: { augment: validateAugment({ mode: 'affine' }) },
  elastic: { augment: validateAugment({ mode: 'elastic' }) },
  'both, wide ranges': { augment: validateAugment({ mode: 'both', rotate: 40, scale: 0.3, shear: 0.5, shift: 4, elasticAlpha: 60, elasticSigma: 3 }) },
  'input dropout 0.2': { inputDropout: 0.2 },
  'both and input dropout 0.5': { augment: validateAugment({ mode: 'both' }), inputDropout: 0.5 },
};

for (const [name, transform] of Object.entries(TRANSFORMS)) {
  test(`${name}: the twin and every wasm build gather the same f64s from real MNIST rows and leave the same generator states`, () => {
    const plain = gatherTransformed(engines[0], images, PIXELS, {}, seeded()).inputs;
    const [reference, ...others] = engines.map((core) => ({ label: core.label, ...gatherTransformed(core, images, PIXELS, transform, seeded()) }));
    assert.notDeepEqual(reference.inputs, plain, 'the transform changed the inputs');
    assert.notDeepEqual(reference.inputs.subarray(0, PIXELS), reference.inputs.subarray(PIXELS, 2 * PIXELS), 'rows differ');
    assert.ok(reference.inputs.every((v) => Number.isFinite(v) && v >= 0), 'inputs finite, none negative');
    assert.ok(others.length >= 2, 'wasm standard and debug ran');
    for (const other of others) {
      assert.deepEqual(other.inputs, reference.inputs, `${other.label} vs ${reference.label}`);
      assert.deepEqual(other.states, reference.states, `${other.label}: generator states`);
    }
  });
}

test('identity settings (rotate, scale, shear, shift and alpha 0) gather the plain rows exactly, and still draw', () => {
  const identity = validateAugment({ mode: 'both', rotate: 0, scale: 0, shear: 0, shift: 0, elasticAlpha: 0 });
  for (const core of engines) {
    const plain = gatherTransformed(core, images, PIXELS, {}, seeded());
    const same = gatherTransformed(core, images, PIXELS, { augment: identity }, seeded());
    assert.deepEqual(same.inputs, plain.inputs, core.label);
    assert.deepEqual(plain.states, seeded(), `${core.label}: no transform, no draws`);
    assert.notDeepEqual(same.states.augment, seeded().augment, `${core.label}: the augment stream advanced`);
  }
});

test('the streams advance by a known count: per example 10 words (affine) and 784 (elastic); per non-zero pixel 1 (input dropout)', () => {
  const after = (state: number[], words: number): number[] => {
    const random = new Random(1);
    random.setState(state);
    for (let i = 0; i < words; i++) random.nextUint32();
    return random.getState();
  };
  for (const core of engines) {
    const augment = validateAugment({ mode: 'both' });
    const { states } = gatherTransformed(core, images, PIXELS, { augment, inputDropout: 0.1 }, seeded());
    const inked = gatherTransformed(core, images, PIXELS, { augment }, seeded()).inputs.filter((v) => v !== 0).length;
    assert.ok(inked > ROWS * 100 && inked < ROWS * PIXELS / 2, `${inked} distorted pixels with ink`);
    assert.deepEqual(states.augment, after(seeded().augment, ROWS * (10 + PIXELS)), core.label);
    assert.deepEqual(states.inputDropout, after(seeded().inputDropout, inked), core.label);
  }
});

test('a rotation by +90 degrees turns a pixel counterclockwise about the centre (13.5, 13.5), bilinear weight 1', () => {
  const image = new Uint8Array(PIXELS);
  image[13 * 28 + 20] = 255; // (x 20, y 13): 6.5 right of the centre, 0.5 above
  const states = seeded();
  // The first uniform of the augment stream picks the angle: scale the range so that it lands on +pi/2.
  const random = new Random(1);
  random.setState(states.augment);
  const u = random.uniform();
  for (const core of engines) {
    const at = { augment: core.arena.alloc(16), inputDropout: core.arena.alloc(16) };
    core.arena.u32.set(states.augment, at.augment >> 2);
    const record = writeAugmentRecord(core.arena, PIXELS, { augment: validateAugment({ mode: 'affine', scale: 0, shear: 0, shift: 0 }) }, at);
    core.arena.f64[(record + RECORD.ROTATE) >> 3] = Math.PI / 2 / (u * 2 - 1);
    const source = core.arena.alloc(PIXELS), labels = core.arena.alloc(1), out = core.arena.alloc(PIXELS * 8), targets = core.arena.alloc(1);
    core.arena.u8.set(image, source);
    core.kernels.gatherBatch(source, labels, 0, 0, 1, PIXELS, out, targets, 0, 0, 0, 0, record);
    const rotated = core.arena.f64.slice(out >> 3, (out >> 3) + PIXELS);
    // Up on the screen is -y: (6.5, -0.5) from the centre turns to (-0.5, -6.5), the pixel (x 13, y 7).
    assert.ok(Math.abs(rotated[7 * 28 + 13] - 1) < 1e-9, `${core.label}: ${rotated[7 * 28 + 13]} at (13, 7)`);
    const total = rotated.reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(total - 1) < 1e-9, `${core.label}: the rest is zero (sum ${total})`);
  }
});

test('input dropout zeroes a fraction p of the pixels (within 4 standard deviations) and scales the rest by 1/(1-p)', () => {
  const p = 0.3;
  const ink = new Uint8Array(50 * PIXELS).fill(255);
  for (const core of engines) {
    const { inputs } = gatherTransformed(core, ink, PIXELS, { inputDropout: p }, seeded());
    const dropped = inputs.filter((v) => v === 0).length / inputs.length;
    assert.ok(Math.abs(dropped - p) < 4 * Math.sqrt((p * (1 - p)) / inputs.length), `${core.label}: dropped ${dropped}`);
    assert.ok(inputs.every((v) => v === 0 || v === 1 / (1 - p)), `${core.label}: kept inputs are 1/(1-p)`);
  }
});

test('an elastic field moves ink but keeps the digit: alpha 34, sigma 4 changes pixels and keeps the ink mass within 50%', () => {
  const plain = gatherTransformed(engines[0], images, PIXELS, {}, seeded()).inputs;
  const { inputs } = gatherTransformed(engines[0], images, PIXELS, { augment: validateAugment({ mode: 'elastic' }) }, seeded());
  for (let r = 0; r < ROWS; r++) {
    const row = (a: Float64Array) => a.subarray(r * PIXELS, (r + 1) * PIXELS);
    const mass = (a: Float64Array) => row(a).reduce((s, v) => s + v, 0);
    const changed = row(inputs).filter((v, i) => Math.abs(v - row(plain)[i]) > 0.05).length;
    assert.ok(changed > 20, `row ${r}: ${changed} pixels changed`);
    assert.ok(Math.abs(mass(inputs) / mass(plain) - 1) < 0.5, `row ${r}: ink mass ${mass(inputs)} vs ${mass(plain)}`);
  }
});

test('settings out of range are refused in one line each', () => {
  assert.throws(() => validateAugment({ mode: 'warp' as never }), { message: 'augment must be one of none, affine, elastic, both (got "warp")' });
  assert.throws(() => validateAugment({ rotate: 200 }), { message: 'affine rotate must be from 0 to 180 degrees (got 200)' });
  assert.throws(() => validateAugment({ scale: -0.1 }), { message: 'affine scale must be from 0 to 0.9 (got -0.1)' });
  assert.throws(() => validateAugment({ elasticSigma: 0 }), { message: 'elastic sigma must be from 0.5 to 10 pixels (got 0)' });
  assert.throws(() => writeAugmentRecord(new Arena(), 780, { augment: validateAugment({ mode: 'affine' }) }, { augment: 16, inputDropout: 32 }), { message: 'distortions need square images, not 780 pixels' });
});
