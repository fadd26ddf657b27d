// `mnist-wasm augment`: a picture of what the network sees when it trains with distortions, drawn by the same core
// kernels a training gather runs. Its distortion flags are train's (augment-flags.ts).
import { extname } from 'node:path';
import { Command } from 'commander';
import { ConfigError } from '../errors.js';
import { locateAndLoad } from '../data/locate.js';
import { gatherTransformed } from '../engine/augment-record.js';
import type { InputTransform } from '../engine/augment-record.js';
import { loadWasmCore } from '../engine/wasm.js';
import { readWasmFromDisk } from '../engine/wasm-node.js';
import { validateRegularization } from '../model/learning.js';
import { writeFileAtomic } from '../util/atomic.js';
import { checkOutputFile, prepareOutputFile } from '../util/output.js';
import { Random } from '../util/random.js';
import { augmentFromFlags, augmentOptions, describeAugment } from './augment-flags.js';
import type { AugmentFlags } from './augment-flags.js';
import { dataOption, positiveInteger } from './options.js';

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
  // Loaded here, not at the top: the CLI imports every command, and sharp costs train about 20 MB of memory.
  const { default: sharp } = await import('sharp');
  return sharp(Buffer.from(canvas), { raw: { width, height, channels: 1 } }).png().toBuffer();
}
