// `mnist-wasm augment`: a picture of what the network sees when it trains with distortions, drawn by the same core
// kernels a training gather runs. Its flags are also train's (augmentOptions, augmentFromFlags).
import { extname } from 'node:path';
import { Command, Option } from 'commander';
import sharp from 'sharp';
import { ConfigError } from '../errors.js';
import { locateAndLoad } from '../data/locate.js';
import { gatherTransformed } from '../engine/augment-record.js';
import type { InputTransform } from '../engine/augment-record.js';
import { loadWasmCore } from '../engine/wasm.js';
import { readWasmFromDisk } from '../engine/wasm-node.js';
import { validateRegularization } from '../model/learning.js';
import { AUGMENT_MODES, DEFAULT_AUGMENT, validateAugment } from '../model/augment.js';
import type { AugmentMode, AugmentSettings } from '../model/augment.js';
import { writeFileAtomic } from '../util/atomic.js';
import { checkOutputFile, prepareOutputFile } from '../util/output.js';
import { Random } from '../util/random.js';
import { dataOption, positiveInteger, positiveNumber } from './options.js';

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

interface PictureFlags extends AugmentFlags {
  out: string;
  count: number;
  variants: number;
  seed: number;
  data?: string;
}

const CELL = 28;
const ZOOM = 3;
const GAP = 4;

export function augmentCommand(): Command {
  const command = new Command('augment')
    .description('draw a grid of training digits, each beside distortions the core makes of it with these settings')
    .requiredOption('--out <file.png>', 'PNG file to write')
    .option('--count <n>', 'digits, one a row (the first training images)', positiveInteger('--count'), 8)
    .option('--variants <n>', 'distortions beside each digit', positiveInteger('--variants'), 6)
    .option('--seed <n>', "the distortions' generator seed", positiveInteger('--seed'), 1)
    .addOption(dataOption());
  for (const option of augmentOptions('both')) command.addOption(option);
  return command.action(async (flags: PictureFlags) => {
      if (extname(flags.out).toLowerCase() !== '.png') throw new ConfigError(`${flags.out}: the picture is a PNG: give a file name ending in .png`);
      if (flags.count > 100 || flags.variants > 20) throw new ConfigError('--count is at most 100 and --variants at most 20');
      const settings = augmentFromFlags({ ...flags, augment: flags.augment ?? 'both' });
      const transform: InputTransform = { augment: settings, inputDropout: validateRegularization({ inputDropout: flags.inputDropout }).inputDropout };
      await checkOutputFile(flags.out);
      const { split } = await locateAndLoad({ data: flags.data });
      const { train } = split;
      const pixels = train.inputSize, count = Math.min(flags.count, train.count);
      if (Math.round(Math.sqrt(pixels)) ** 2 !== pixels) throw new ConfigError(`the images have ${pixels} pixels, not a square`);
      // Each digit repeated once per variant, gathered in one call: every copy gets its own draws.
      const copies = new Uint8Array(count * flags.variants * pixels);
      for (let d = 0; d < count; d++) {
        for (let v = 0; v < flags.variants; v++) copies.set(train.images.subarray(d * pixels, (d + 1) * pixels), (d * flags.variants + v) * pixels);
      }
      const core = await loadWasmCore(readWasmFromDisk, 'auto');
      const states = { augment: new Random(flags.seed).getState(), inputDropout: new Random(flags.seed + 1).getState() };
      const { inputs } = gatherTransformed(core, copies, pixels, transform, states);
      const png = await drawGrid(train.images, inputs, count, flags.variants, Math.round(Math.sqrt(pixels)));
      await prepareOutputFile(flags.out);
      await writeFileAtomic(flags.out, png);
      process.stdout.write(`wrote ${flags.out}: ${count} training digits, each beside ${flags.variants} distortions, ${describeAugment(settings, transform.inputDropout)}\n`);
    });
}

/** Rows of [original | gap | variants...], dark ink on white, each pixel ZOOM x ZOOM. */
async function drawGrid(originals: Uint8Array, variants: Float64Array, count: number, perDigit: number, side: number): Promise<Buffer> {
  const cell = side * ZOOM;
  const width = (perDigit + 1) * cell + (perDigit + 4) * GAP, height = count * cell + (count + 1) * GAP;
  const canvas = new Uint8Array(width * height).fill(255);
  const paint = (left: number, top: number, value: (k: number) => number): void => {
    for (let y = 0; y < cell; y++) {
      for (let x = 0; x < cell; x++) canvas[(top + y) * width + left + x] = 255 - Math.round(Math.min(1, Math.max(0, value(Math.floor(y / ZOOM) * side + Math.floor(x / ZOOM)))) * 255);
    }
  };
  for (let d = 0; d < count; d++) {
    const top = GAP + d * (cell + GAP);
    paint(GAP, top, (k) => originals[d * side * side + k] / 255);
    // A wider gap after the original sets it apart from its distortions.
    for (let v = 0; v < perDigit; v++) paint(3 * GAP + (v + 1) * (cell + GAP), top, (k) => variants[(d * perDigit + v) * side * side + k]);
  }
  return sharp(Buffer.from(canvas), { raw: { width, height, channels: 1 } }).png().toBuffer();
}
