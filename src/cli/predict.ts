import { readdir, stat, mkdir } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { Command } from 'commander';
import sharp from 'sharp';
import { DataFormatError, MnistWasmError } from '../errors.js';
import { Network } from '../engine/network.js';
import type { EngineName } from '../engine/network.js';
import type { SimdChoice } from '../engine/wasm.js';
import { loadModel } from '../model/file-node.js';
import { readGrayImage } from '../image/read-node.js';
import { segmentDigits } from '../image/segment.js';
import { FIELD } from '../image/preprocess.js';
import { writeFileAtomic } from '../util/atomic.js';
import { engineOption, simdOption } from './options.js';

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.webp', '.gif', '.tif', '.tiff', '.avif', '.bmp']);

export interface DigitGuess {
  digit: number;
  top: { digit: number; probability: number }[];
}

export type PredictResult = { file: string; number: string; digits: DigitGuess[] } | { file: string; error: string };

/** Files as given, folders expanded to the image files in them (sorted). */
async function expand(paths: string[]): Promise<string[]> {
  const files: string[] = [];
  for (const path of paths) {
    const info = await stat(path).catch(() => undefined);
    if (info?.isDirectory()) {
      const names = (await readdir(path)).filter((n) => IMAGE_EXTENSIONS.has(extname(n).toLowerCase())).sort();
      files.push(...names.map((n) => join(path, n)));
    } else {
      files.push(path);
    }
  }
  return files;
}

/** The top three classes of each output row; probabilities are normalised (sigmoid outputs do not sum to 1). */
export function topGuesses(outputs: Float64Array, classes: number): DigitGuess[] {
  const guesses: DigitGuess[] = [];
  for (let r = 0; r < outputs.length / classes; r++) {
    const row = Array.from(outputs.subarray(r * classes, (r + 1) * classes));
    const sum = row.reduce((a, b) => a + b, 0) || 1;
    const top = row.map((p, digit) => ({ digit, probability: p / sum })).sort((a, b) => b.probability - a.probability).slice(0, 3);
    guesses.push({ digit: top[0].digit, top });
  }
  return guesses;
}

export function predictCommand(): Command {
  return new Command('predict')
    .description('recognise digits in image files (PNG, JPEG, WebP...) or folders of them; a row of digits is read as a number')
    .requiredOption('--model <file>', 'model file written by train --save')
    .argument('<images...>', 'image files or folders')
    .option('--single', 'treat all the ink in an image as one digit (no segmentation)')
    .option('--debug-dir <dir>', 'write the 28x28 inputs the network saw as PNG')
    .option('--json', 'print a machine-readable summary as the last line of stdout')
    .addOption(engineOption())
    .addOption(simdOption())
    .action(async (paths: string[], flags: { model: string; single?: boolean; debugDir?: string; json?: boolean; engine: EngineName; simd: SimdChoice }) => {
      const model = await loadModel(flags.model);
      if (model.spec.layers[0] !== FIELD * FIELD) {
        throw new DataFormatError(flags.model, `the model takes ${model.spec.layers[0]} inputs; predict needs a 28x28 (784-input) model`);
      }
      const network = await Network.create(model.spec, { engine: flags.engine, simd: flags.simd, parameters: model.parameters });
      const classes = model.spec.layers[model.spec.layers.length - 1];
      if (flags.debugDir) await mkdir(flags.debugDir, { recursive: true });
      const results: PredictResult[] = [];
      for (const file of await expand(paths)) {
        try {
          const image = await readGrayImage(file);
          const { inputs } = segmentDigits(image, { single: flags.single });
          if (!inputs.length) throw new DataFormatError(file, 'no ink found: the image is blank');
          const batch = new Float64Array(inputs.length * FIELD * FIELD);
          inputs.forEach((input, i) => batch.set(input, i * FIELD * FIELD));
          const digits = topGuesses(network.predict(batch), classes);
          const number = digits.map((d) => d.digit).join('');
          results.push({ file, number, digits });
          const detail = digits.map((d) => d.top.map((t) => `${t.digit} ${(t.probability * 100).toFixed(1)}%`).join(', '));
          process.stdout.write(`${file}: ${number}  ${digits.length === 1 ? `(${detail[0]})` : detail.map((d) => `[${d}]`).join(' ')}\n`);
          if (flags.debugDir) {
            for (const [i, input] of inputs.entries()) {
              const png = await sharp(Buffer.from(input.map((v) => Math.round(v * 255))), { raw: { width: FIELD, height: FIELD, channels: 1 } }).png().toBuffer();
              await writeFileAtomic(join(flags.debugDir, `${basename(file, extname(file))}${inputs.length > 1 ? `-${i + 1}` : ''}.png`), png);
            }
          }
        } catch (error) {
          if (!(error instanceof MnistWasmError)) throw error;
          results.push({ file, error: error.message });
          process.stderr.write(`mnist-wasm: ${error.message}\n`);
          process.exitCode = 1;
        }
      }
      if (flags.json) process.stdout.write(`${JSON.stringify({ command: 'predict', results })}\n`);
    });
}
