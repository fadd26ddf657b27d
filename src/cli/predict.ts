import { readdir, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { Command } from 'commander';
import { DataFormatError, ModelFormatError, MnistWasmError } from '../errors.js';
import { Network } from '../engine/network.js';
import type { EngineName } from '../engine/network.js';
import type { SimdChoice } from '../engine/wasm.js';
import { loadModel } from '../model/file-node.js';
import { modelFitProblem } from '../model/fit.js';
import { DEFAULT_MAX_PIXELS, readGrayImage } from '../image/read-node.js';
import { segmentDigits } from '../image/segment.js';
import { FIELD } from '../image/preprocess.js';
import { digitVerdict } from '../image/verdict.js';
import type { DigitVerdict } from '../image/verdict.js';
import { writeFileAtomic } from '../util/atomic.js';
import { prepareOutputDir } from '../util/output.js';
import { engineOption, positiveInteger, simdOption } from './options.js';

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.webp', '.gif', '.tif', '.tiff', '.avif', '.bmp']);
const DIGITS = 10;

/** One image's reading: `number` has "?" for each unsure digit, `guess` the network's best class for every one. */
export type PredictResult =
  | { file: string; number: string; guess: string; unsure: boolean; reason?: string; digits: DigitVerdict[] }
  | { file: string; error: string };

/** Files as given, folders expanded to the image files in them (sorted). */
async function expand(paths: string[]): Promise<string[]> {
  const files: string[] = [];
  for (const path of paths) {
    const info = await stat(path).catch(() => undefined);
    if (info?.isDirectory()) {
      const names = (await readdir(path)).filter((n) => IMAGE_EXTENSIONS.has(extname(n).toLowerCase())).sort();
      for (const name of names) files.push(join(path, name));
    } else {
      files.push(path);
    }
  }
  return files;
}

function describe(v: DigitVerdict): string {
  const top = v.top.map((t) => `${t.digit} ${(t.probability * 100).toFixed(1)}%`).join(', ');
  return v.unsure ? `unsure: ${v.reason}; ${top}` : top;
}

async function writeDebugImages(dir: string, file: string, inputs: Float64Array[]): Promise<void> {
  for (const [i, input] of inputs.entries()) {
    const { default: sharp } = await import('sharp');
    const png = await sharp(Buffer.from(input.map((v) => Math.round(v * 255))), { raw: { width: FIELD, height: FIELD, channels: 1 } }).png().toBuffer();
    await writeFileAtomic(join(dir, `${basename(file, extname(file))}${inputs.length > 1 ? `-${i + 1}` : ''}.png`), png);
  }
}

interface PredictFlags {
  model: string;
  single?: boolean;
  debugDir?: string;
  maxPixels: number;
  json?: boolean;
  engine: EngineName;
  simd: SimdChoice;
}

export function predictCommand(): Command {
  return new Command('predict')
    .description('recognise digits in image files (PNG, JPEG, WebP...) or folders of them; a row of digits is read as a number')
    .requiredOption('--model <file>', 'model file written by train --save')
    .argument('<images...>', 'image files or folders')
    .option('--single', 'treat all the ink in an image as one digit (no segmentation)')
    .option('--debug-dir <dir>', 'write the 28x28 inputs the network saw as PNG')
    .option('--max-pixels <n>', 'refuse images with more pixels than this', positiveInteger('--max-pixels'), DEFAULT_MAX_PIXELS)
    .option('--json', 'print a machine-readable summary as the last line of stdout')
    .addOption(engineOption())
    .addOption(simdOption())
    .action(async (paths: string[], flags: PredictFlags) => {
      if (flags.debugDir) await prepareOutputDir(flags.debugDir);
      const model = await loadModel(flags.model);
      const problem = modelFitProblem(model.spec.layers, { inputs: FIELD * FIELD, classes: DIGITS });
      if (problem) throw new ModelFormatError(flags.model, problem);
      const network = await Network.create(model.spec, { engine: flags.engine, simd: flags.simd, parameters: model.parameters });
      const classes = model.spec.layers[model.spec.layers.length - 1];
      const results: PredictResult[] = [];
      for (const file of await expand(paths)) {
        try {
          const image = await readGrayImage(file, { maxPixels: flags.maxPixels });
          const { inputs, ink } = segmentDigits(image, { single: flags.single });
          if (!inputs.length) throw new DataFormatError(file, 'no ink found: the image is blank');
          const batch = new Float64Array(inputs.length * FIELD * FIELD);
          inputs.forEach((input, i) => batch.set(input, i * FIELD * FIELD));
          const outputs = network.predict(batch);
          const digits = inputs.map((_, i) => digitVerdict(outputs.subarray(i * classes, (i + 1) * classes), ink[i]));
          const number = digits.map((d) => (d.unsure ? '?' : String(d.digit))).join('');
          const unsure = digits.findIndex((d) => d.unsure);
          const reason = unsure < 0 ? undefined : digits.length === 1 ? digits[0].reason : `digit ${unsure + 1}: ${digits[unsure].reason}`;
          results.push({ file, number, guess: digits.map((d) => d.digit).join(''), unsure: unsure >= 0, ...(reason ? { reason } : {}), digits });
          const detail = digits.length === 1 ? `(${describe(digits[0])})` : digits.map((d) => `[${describe(d)}]`).join(' ');
          process.stdout.write(`${file}: ${digits.length === 1 && unsure === 0 ? 'unsure' : number}  ${detail}\n`);
          if (flags.debugDir) await writeDebugImages(flags.debugDir, file, inputs);
        } catch (error) {
          if (!(error instanceof MnistWasmError)) throw error;
          const message = error.file ? error.message : `${file}: ${error.message}`;
          results.push({ file, error: message });
          process.stderr.write(`mnist-wasm: ${message}\n`);
          process.exitCode = 1;
        }
      }
      if (flags.json) process.stdout.write(`${JSON.stringify({ command: 'predict', results })}\n`);
    });
}
