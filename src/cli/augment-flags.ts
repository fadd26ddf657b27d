// The flags of train and augment that set what a training gather does to the inputs, and how they read.
import { Option } from 'commander';
import { AUGMENT_MODES, DEFAULT_AUGMENT, validateAugment } from '../model/augment.js';
import type { AugmentMode, AugmentSettings } from '../model/augment.js';
import { positiveNumber } from './options.js';

/** The distortion flags as commander gives them (undefined: not given, so a resumed model's value or the default holds). */
export interface AugmentFlags {
  augment?: AugmentMode;
  affineRotate?: number;
  affineScale?: number;
  affineShear?: number;
  affineShift?: number;
  elasticAlpha?: number;
  elasticSigma?: number;
  inputDropout?: number;
}

/** The flags of train and augment that set what a training gather does to the inputs; no commander defaults. */
export function augmentOptions(defaultMode: AugmentMode = DEFAULT_AUGMENT.mode): Option[] {
  const d = DEFAULT_AUGMENT;
  const number = (what: string) => positiveNumber(what, true);
  return [
    new Option('--augment <mode>', `distort every training example at every step (default ${defaultMode})`).choices(AUGMENT_MODES as unknown as string[]),
    new Option('--affine-rotate <deg>', `largest rotation, degrees (default ${d.rotate})`).argParser(number('--affine-rotate')),
    new Option('--affine-scale <f>', `largest change of size, 0.15 = 85%..115% (default ${d.scale})`).argParser(number('--affine-scale')),
    new Option('--affine-shear <f>', `largest horizontal shear (default ${d.shear})`).argParser(number('--affine-shear')),
    new Option('--affine-shift <px>', `largest translation, pixels (default ${d.shift})`).argParser(number('--affine-shift')),
    new Option('--elastic-alpha <a>', `elastic field scale, Simard's alpha (default ${d.elasticAlpha})`).argParser(number('--elastic-alpha')),
    new Option('--elastic-sigma <px>', `elastic field smoothness, Simard's sigma (default ${d.elasticSigma})`).argParser(number('--elastic-sigma')),
    new Option('--input-dropout <p>', 'drop each input pixel with probability p while training, kept ones scaled by 1/(1-p) (default 0)').argParser(number('--input-dropout')),
  ];
}

/** The settings the flags give over `base` (a resumed model's, or the defaults), checked. */
export function augmentFromFlags(flags: AugmentFlags, base: Partial<AugmentSettings> = {}): AugmentSettings {
  return validateAugment({
    ...base,
    mode: flags.augment ?? base.mode,
    rotate: flags.affineRotate ?? base.rotate,
    scale: flags.affineScale ?? base.scale,
    shear: flags.affineShear ?? base.shear,
    shift: flags.affineShift ?? base.shift,
    elasticAlpha: flags.elasticAlpha ?? base.elasticAlpha,
    elasticSigma: flags.elasticSigma ?? base.elasticSigma,
  });
}

/** One line saying what the settings do, for the picture command and train's header. */
export function describeAugment(a: AugmentSettings, inputDropout = 0): string {
  const parts: string[] = [];
  if (a.mode === 'affine' || a.mode === 'both') parts.push(`rotate ${a.rotate} deg, scale ${a.scale}, shear ${a.shear}, shift ${a.shift} px`);
  if (a.mode === 'elastic' || a.mode === 'both') parts.push(`elastic alpha ${a.elasticAlpha}, sigma ${a.elasticSigma}`);
  if (inputDropout > 0) parts.push(`input dropout ${inputDropout}`);
  return `augment ${a.mode}${parts.length ? ` (${parts.join('; ')})` : ''}`;
}
