// MNIST test digits redrawn as a photo or scan might show them, shared by the tests and a measurement:
//   node --import tsx tests/image-variants.ts --model model.json [--count 500] [--data DIR]
// prints, per variant, how often predict reads the redrawn digit as its label and as the 28x28 original,
// and how the unsure threshold splits the test set.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import type { Dataset } from '../src/data/dataset.js';
import { Random } from '../src/util/random.js';

export interface Paper {
  /** Ruled lines every `spacing` px; squared adds vertical ones. */
  lines: 'none' | 'ruled' | 'squared';
  /** Degrees the paper (lines and digit) is turned by. */
  tilt?: number;
  /** Light falling off from white at the left to this gray level at the right. */
  shadow?: number;
}

export interface Variant {
  scale: number;
  width: number;
  height: number;
  left: number;
  top: number;
  /** Dark ink on light paper (else MNIST's light on black). */
  invert: boolean;
  noise: number;
  format: 'png' | 'jpeg';
  paper?: Paper;
}

export const VARIANTS: Record<string, Variant> = {
  'enlarged 4x, off-centre': { scale: 4, width: 200, height: 160, left: 70, top: 20, invert: false, noise: 0, format: 'png' },
  'dark ink on white, 3x': { scale: 3, width: 120, height: 120, left: 10, top: 30, invert: true, noise: 0, format: 'png' },
  'dark on white with paper noise': { scale: 5, width: 180, height: 180, left: 25, top: 15, invert: true, noise: 40, format: 'png' },
  'JPEG, dark on white, 6x': { scale: 6, width: 240, height: 200, left: 40, top: 20, invert: true, noise: 10, format: 'jpeg' },
  'small (1.5x) in a corner': { scale: 1.5, width: 100, height: 80, left: 2, top: 3, invert: true, noise: 0, format: 'png' },
  'ruled paper, JPEG, 4x': { scale: 4, width: 260, height: 200, left: 60, top: 40, invert: true, noise: 6, format: 'jpeg', paper: { lines: 'ruled' } },
  'squared paper, JPEG, 4x': { scale: 4, width: 260, height: 200, left: 80, top: 30, invert: true, noise: 6, format: 'jpeg', paper: { lines: 'squared' } },
  'ruled, tilted 3 degrees, uneven light, JPEG': { scale: 4, width: 300, height: 220, left: 90, top: 50, invert: true, noise: 6, format: 'jpeg', paper: { lines: 'ruled', tilt: 3, shadow: 150 } },
};

/** Notebook paper as SVG: off-white, pale blue lines 2 px wide every 36 px, optionally turned and shaded. */
export function paperSvg(width: number, height: number, paper: Paper, ink = ''): string {
  const span = 2 * Math.max(width, height);
  let lines = '';
  for (let y = -span; y < span; y += 36) if (paper.lines !== 'none') lines += `<line x1="${-span}" y1="${y}" x2="${span}" y2="${y}" stroke="#93b2d9" stroke-width="2"/>`;
  for (let x = -span; x < span; x += 36) if (paper.lines === 'squared') lines += `<line x1="${x}" y1="${-span}" x2="${x}" y2="${span}" stroke="#93b2d9" stroke-width="2"/>`;
  const level = paper.shadow ?? 255;
  const shade = `<defs><linearGradient id="light"><stop offset="0" stop-color="#ffffff"/><stop offset="1" stop-color="rgb(${level},${level},${level})"/></linearGradient></defs>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${shade}<rect width="${width}" height="${height}" fill="#f6f5f0"/>` +
    `<g transform="rotate(${paper.tilt ?? 0} ${width / 2} ${height / 2})">${lines}${ink}</g>` +
    `<rect width="${width}" height="${height}" fill="url(#light)" style="mix-blend-mode:multiply"/></svg>`;
}

/** A width x height gray page, as raw bytes: black, white or notebook paper. */
async function page(v: Variant): Promise<Uint8Array> {
  if (!v.paper) return new Uint8Array(v.width * v.height).fill(v.invert ? 255 : 0);
  const { data } = await sharp(Buffer.from(paperSvg(v.width, v.height, v.paper))).greyscale().extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  return new Uint8Array(data);
}

/** Test digit `index` drawn on the variant's page (ink darkens paper multiplicatively, as a pen does, to 15% on notebook paper), encoded. */
export async function drawDigit(images: Uint8Array, index: number, v: Variant, random: Random): Promise<Buffer> {
  const side = Math.round(28 * v.scale);
  const digit = await sharp(Buffer.from(images.subarray(index * 784, (index + 1) * 784)), { raw: { width: 28, height: 28, channels: 1 } });
  let big = await digit.resize(side, side, { kernel: 'cubic' }).toColourspace('b-w').raw().toBuffer();
  if (v.paper?.tilt) big = await sharp(big, { raw: { width: side, height: side, channels: 1 } }).rotate(v.paper.tilt, { background: '#000' }).resize(side, side).toColourspace('b-w').raw().toBuffer();
  const out = await page(v);
  for (let y = 0; y < side; y++) for (let x = 0; x < side; x++) {
    const i = (v.top + y) * v.width + v.left + x, ink = big[y * side + x] / 255;
    out[i] = v.invert ? Math.round(out[i] * (1 - (v.paper ? 0.85 : 1) * ink)) : Math.max(out[i], big[y * side + x]);
  }
  for (let i = 0; i < out.length && v.noise; i++) out[i] = Math.max(0, Math.min(255, Math.round(out[i] + (random.uniform() - 0.5) * 2 * v.noise)));
  const image = sharp(Buffer.from(out), { raw: { width: v.width, height: v.height, channels: 1 } });
  return v.format === 'jpeg' ? image.jpeg({ quality: 75 }).toBuffer() : image.png().toBuffer();
}

/** Writes `count` redrawn test digits per variant into `folder` as v<k>-<index>.<ext>. */
export async function writeVariants(folder: string, images: Uint8Array, count: number, variants: Record<string, Variant> = VARIANTS): Promise<Map<string, { variant: string; index: number }>> {
  const random = new Random(99);
  const files = new Map<string, { variant: string; index: number }>();
  for (const [k, [name, variant]] of Object.entries(variants).entries()) {
    for (let index = 0; index < count; index++) {
      const file = join(folder, `v${k}-${String(index).padStart(4, '0')}.${variant.format === 'jpeg' ? 'jpg' : 'png'}`);
      await writeFile(file, await drawDigit(images, index, variant, random));
      files.set(file, { variant: name, index });
    }
  }
  return files;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { model: { type: 'string' }, count: { type: 'string', default: '500' }, data: { type: 'string' } } });
  if (!values.model) throw new Error('usage: node --import tsx tests/image-variants.ts --model FILE [--count 500] [--data DIR]');
  const { loadMnist } = await import('../src/data/mnist.js');
  const { MNIST_DIR, runCli, lastJson } = await import('./helpers.js');
  const { loadModel } = await import('../src/model/file-node.js');
  const { Network } = await import('../src/engine/network.js');
  const { digitVerdict, UNSURE_BELOW } = await import('../src/image/verdict.js');
  const { test }: { test: Dataset } = await loadMnist(values.data ?? MNIST_DIR);
  const model = await loadModel(values.model);
  const network = await Network.create(model.spec, { parameters: model.parameters });
  const folder = await mkdtemp(join(tmpdir(), 'mnist-variants-'));
  const files = await writeVariants(folder, test.images, Number(values.count));
  const run = await runCli(['predict', '--model', values.model, '--single', '--json', folder]);
  const results = lastJson<{ results: { file: string; guess?: string; unsure?: boolean }[] }>(run.stdout).results;
  console.log(`| variant | read as label | as the 28x28 original | unsure | label, when sure |\n|---|---:|---:|---:|---:|`);
  for (const name of Object.keys(VARIANTS)) {
    const mine = results.filter((r) => files.get(r.file)?.variant === name);
    const index = (r: (typeof mine)[number]): number => files.get(r.file)?.index ?? -1;
    const label = (r: (typeof mine)[number]): number => test.labels[index(r)];
    const original = (r: (typeof mine)[number]): number => {
      const out = network.predict(Float64Array.from(test.images.subarray(index(r) * 784, (index(r) + 1) * 784), (p) => p / 255));
      return out.indexOf(out.reduce((a, b) => Math.max(a, b), -Infinity));
    };
    const sure = mine.filter((r) => !r.unsure);
    const pct = (n: number, of: number): string => `${((100 * n) / Math.max(1, of)).toFixed(1)}%`;
    console.log(`| ${name} | ${pct(mine.filter((r) => Number(r.guess) === label(r)).length, mine.length)} | ${pct(mine.filter((r) => Number(r.guess) === original(r)).length, mine.length)} | ` +
      `${pct(mine.length - sure.length, mine.length)} | ${pct(sure.filter((r) => Number(r.guess) === label(r)).length, sure.length)} |`);
  }
  // The threshold itself, on the 10,000 test digits as they are.
  const outputs = network.predict(Float64Array.from(test.images, (p) => p / 255));
  const verdicts = Array.from({ length: test.count }, (_, i) => ({ ...digitVerdict(outputs.subarray(i * 10, (i + 1) * 10)), label: test.labels[i] }));
  const sure = verdicts.filter((v) => !v.unsure), unsure = verdicts.filter((v) => v.unsure);
  const right = (list: typeof verdicts): string => `${((100 * list.filter((v) => v.digit === v.label).length) / Math.max(1, list.length)).toFixed(2)}%`;
  console.log(`MNIST test set, top probability >= ${UNSURE_BELOW}: ${sure.length} sure (right on ${right(sure)}), ${unsure.length} unsure (right on ${right(unsure)})`);
  await rm(folder, { recursive: true });
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
