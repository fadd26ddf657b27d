// The augment record a training gather reads (assembly/augment.ts): the settings, the generator streams and the
// scratch of the elastic fields, written once into engine memory when a network is created with augmentation.
import { ConfigError } from '../errors.js';
import { gaussianTaps, validateAugment } from '../model/augment.js';
import type { AugmentSettings } from '../model/augment.js';
import type { Arena } from './arena.js';
import { CORE_CONSTANTS } from './contract.js';
import type { Kernels } from './kernels.js';

/** Byte offsets of the record's fields (f64, then u32), as assembly/augment.ts reads them. */
export const RECORD = {
  ROTATE: 0, SCALE: 8, SHEAR: 16, SHIFT: 24, ALPHA: 32, KEEP: 40,
  FLAGS: 48, RADIUS: 52, AUGMENT_STATE: 56, DROPOUT_STATE: 60, FIELDS: 64, WIDTH: 68, THRESHOLD: 72,
} as const;

/**
 * Byte offsets in the scratch of distortRow for w x w images and taps of this radius, as assembly/augment.ts
 * computes them: the noise (w rows padded by radius zeros each side), the rows smoothed (padded by radius rows of
 * zeros above and below), the smoothed field (w x w), all (dx, dy) f32 pairs; the f64 image with a border of zeros.
 */
export function scratchLayout(w: number, radius: number): { across: number; smoothed: number; image: number; bytes: number } {
  const across = 8 * w * (w + 2 * radius);
  const smoothed = 2 * across;
  const image = smoothed + 8 * w * w;
  return { across, smoothed, image, bytes: image + 8 * (w + 2) * (w + 2) };
}

/** What a gather does to the inputs: distortions (mode none: none) and the input dropout probability. */
export interface InputTransform {
  augment?: AugmentSettings;
  inputDropout?: number;
}

/** True when the transform changes anything (else training gathers the plain bytes, today's exact path). */
export function transformsInputs(transform: InputTransform): boolean {
  return (transform.augment !== undefined && transform.augment.mode !== 'none') || (transform.inputDropout ?? 0) > 0;
}

/** Allocates and writes the record for images of inputSize pixels; the streams are the 16-byte states given. */
export function writeAugmentRecord(arena: Arena, inputSize: number, transform: InputTransform, states: { augment: number; inputDropout: number }): number {
  const width = Math.round(Math.sqrt(inputSize));
  const a = transform.augment && validateAugment(transform.augment);
  const mode = a?.mode ?? 'none';
  if (mode !== 'none' && width * width !== inputSize) throw new ConfigError(`distortions need square images, not ${inputSize} pixels`);
  const p = transform.inputDropout ?? 0;
  if (!(p >= 0 && p < 1)) throw new ConfigError(`input dropout must be at least 0 and below 1 (got ${p})`);
  const taps = a && mode !== 'none' ? gaussianTaps(a.elasticSigma) : new Float64Array(1);
  const record = arena.alloc(CORE_CONSTANTS.AUGMENT_TAPS + taps.length * 8);
  const fields = arena.alloc(scratchLayout(width, (taps.length - 1) / 2).bytes);
  const f64 = arena.f64, u32 = arena.u32;
  const flags = (mode === 'affine' || mode === 'both' ? CORE_CONSTANTS.AUGMENT_AFFINE : 0)
    | (mode === 'elastic' || mode === 'both' ? CORE_CONSTANTS.AUGMENT_ELASTIC : 0)
    | (p > 0 ? CORE_CONSTANTS.AUGMENT_DROPOUT : 0);
  f64[(record + RECORD.ROTATE) >> 3] = ((a?.rotate ?? 0) * Math.PI) / 180;
  f64[(record + RECORD.SCALE) >> 3] = a?.scale ?? 0;
  f64[(record + RECORD.SHEAR) >> 3] = a?.shear ?? 0;
  f64[(record + RECORD.SHIFT) >> 3] = a?.shift ?? 0;
  f64[(record + RECORD.ALPHA) >> 3] = a?.elasticAlpha ?? 0;
  f64[(record + RECORD.KEEP) >> 3] = 1 / (1 - p);
  u32[(record + RECORD.FLAGS) >> 2] = flags;
  u32[(record + RECORD.RADIUS) >> 2] = (taps.length - 1) / 2;
  u32[(record + RECORD.AUGMENT_STATE) >> 2] = states.augment;
  u32[(record + RECORD.DROPOUT_STATE) >> 2] = states.inputDropout;
  u32[(record + RECORD.FIELDS) >> 2] = fields;
  u32[(record + RECORD.WIDTH) >> 2] = width;
  u32[(record + RECORD.THRESHOLD) >> 2] = Math.floor(p * 2 ** 32);
  // The field is smoothed in f32: taps rounded to f32 once, here, for both engines.
  f64.set(taps.map(Math.fround), (record + CORE_CONSTANTS.AUGMENT_TAPS) >> 3);
  return record;
}

/**
 * The rows of `images` (count x inputSize u8) as a training gather sees them through `transform`, on a bare core
 * (the picture command, the tests): the generator states given are used and advanced, and returned.
 */
export function gatherTransformed(
  core: { kernels: Kernels; arena: Arena },
  images: Uint8Array, inputSize: number, transform: InputTransform, states: { augment: number[]; inputDropout: number[] },
): { inputs: Float64Array; states: { augment: number[]; inputDropout: number[] } } {
  const { kernels, arena } = core;
  const count = images.length / inputSize;
  const at = { augment: arena.alloc(16), inputDropout: arena.alloc(16) };
  arena.u32.set(states.augment, at.augment >> 2);
  arena.u32.set(states.inputDropout, at.inputDropout >> 2);
  const record = writeAugmentRecord(arena, inputSize, transform, at);
  const source = arena.alloc(images.length);
  const labels = arena.alloc(count);
  const inputs = arena.alloc(images.length * 8);
  const targets = arena.alloc(count);
  arena.u8.set(images, source);
  kernels.gatherBatch(source, labels, 0, 0, count, inputSize, inputs, targets, 0, 0, 0, 0, transformsInputs(transform) ? record : 0);
  const words = (ptr: number): number[] => [...arena.u32.subarray(ptr >> 2, (ptr >> 2) + 4)];
  return { inputs: arena.f64.slice(inputs >> 3, (inputs >> 3) + images.length), states: { augment: words(at.augment), inputDropout: words(at.inputDropout) } };
}
