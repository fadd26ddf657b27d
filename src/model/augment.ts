// What happens to a training mini-batch's inputs while it is gathered: affine and elastic distortions. Shared by
// the engine (which runs them), the CLI, the picture command and the model file, so they sit here, below all of those.
import { ConfigError } from '../errors.js';

export const AUGMENT_MODES = ['none', 'affine', 'elastic', 'both'] as const;
/** none: the images as they are; both: the affine map, then the elastic field, composed into one sampling. */
export type AugmentMode = (typeof AUGMENT_MODES)[number];

/** Each affine range is drawn uniformly in +-its value per example and training step, about the image centre. */
export interface AugmentSettings {
  mode: AugmentMode;
  /** Largest rotation, degrees. */
  rotate: number;
  /** Largest relative change of size (0.15: 85% to 115%). */
  scale: number;
  /** Largest horizontal shear (x moves by shear * y, from the centre). */
  shear: number;
  /** Largest translation, pixels, each axis. */
  shift: number;
  /** Simard's elastic field: uniform [-1, 1] per pixel, smoothed by a Gaussian of sigma pixels, scaled by alpha. */
  elasticAlpha: number;
  elasticSigma: number;
}

/**
 * Elastic: Simard, Steinkraus and Platt 2003 (alpha 34, sigma 4). Affine: the ranges Ciresan et al. 2010 used on
 * MNIST (rotation up to 15 degrees, scaling 15%), with a mild shear and a 2-pixel shift judged on the picture
 * `mnist-wasm augment` draws.
 */
export const DEFAULT_AUGMENT: Readonly<AugmentSettings> = Object.freeze({
  mode: 'none', rotate: 15, scale: 0.15, shear: 0.15, shift: 2, elasticAlpha: 34, elasticSigma: 4,
});

/** The Gaussian is truncated at this many sigmas (and normalised over what is left). */
export const ELASTIC_TRUNCATE = 3;

/** Defaults filled in and every value checked (flags, a model file, the demo): one message per mistake. */
export function validateAugment(input: Partial<AugmentSettings> = {}): AugmentSettings {
  const s = { ...DEFAULT_AUGMENT, ...Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) };
  if (typeof s.mode !== 'string' || !(AUGMENT_MODES as readonly string[]).includes(s.mode)) {
    throw new ConfigError(`augment must be one of ${AUGMENT_MODES.join(', ')} (got ${JSON.stringify(s.mode)})`);
  }
  range('affine rotate', s.rotate, 180, 'degrees');
  range('affine scale', s.scale, 0.9, '');
  range('affine shear', s.shear, 2, '');
  range('affine shift', s.shift, 14, 'pixels');
  range('elastic alpha', s.elasticAlpha, 1000, '');
  if (!(typeof s.elasticSigma === 'number' && s.elasticSigma >= 0.5 && s.elasticSigma <= 10)) {
    throw new ConfigError(`elastic sigma must be from 0.5 to 10 pixels (got ${s.elasticSigma})`);
  }
  return { mode: s.mode as AugmentMode, rotate: s.rotate, scale: s.scale, shear: s.shear, shift: s.shift, elasticAlpha: s.elasticAlpha, elasticSigma: s.elasticSigma };
}

function range(what: string, value: unknown, max: number, unit: string): void {
  if (!(typeof value === 'number' && value >= 0 && value <= max)) {
    throw new ConfigError(`${what} must be from 0 to ${max}${unit ? ` ${unit}` : ''} (got ${String(value)})`);
  }
}

/** The normalised Gaussian taps, -radius..radius, of the elastic field's smoothing. */
export function gaussianTaps(sigma: number): Float64Array {
  const radius = Math.ceil(ELASTIC_TRUNCATE * sigma);
  const taps = Float64Array.from({ length: 2 * radius + 1 }, (_, i) => Math.exp(-((i - radius) ** 2) / (2 * sigma * sigma)));
  const sum = taps.reduce((a, b) => a + b, 0);
  return taps.map((t) => t / sum);
}
