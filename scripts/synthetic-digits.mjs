// Digits that are not MNIST, drawn by a script: the installed fonts (fc-list) with varied stroke width, slant,
// rotation, position and size, on clean white, on photographed-like paper (lines, light falling off, noise,
// JPEG). Deterministic for a seed. Each image holds one digit; its label starts the file name (7-00012.png).
//   node scripts/synthetic-digits.mjs --out DIR [--count 500] [--seed 1]
// writes DIR/<variant>/ for every variant below; scripts/synthetic-accuracy.mjs reads them with predict.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { Random } from '../dist/index.js';

/** Families of `fc-list` on the CI image (.ci/run): sans, serif, mono, geometric and a chancery hand (Z003). */
export const FONTS = ['DejaVu Sans', 'DejaVu Serif', 'DejaVu Sans Mono', 'Liberation Sans', 'Liberation Serif', 'Liberation Mono',
  'Nimbus Sans', 'Nimbus Roman', 'Nimbus Sans Narrow', 'URW Gothic', 'URW Bookman', 'P052', 'C059', 'Z003', 'Noto Sans Mono'];

/**
 * Pen strokes of each digit in a 100 x 140 box, as a hand might write them (a few have two common shapes); every
 * coordinate is moved by up to JITTER at random, so no two are alike.
 */
const STROKES = {
  0: ['M50,10 C80,10 90,45 90,70 C90,100 78,130 50,130 C22,130 10,100 10,70 C10,40 22,10 50,10 Z'],
  1: ['M50,10 L50,130', 'M30,35 L55,10 L55,130'],
  2: ['M15,35 C15,10 85,5 85,40 C85,70 40,95 12,130 L90,130'],
  3: ['M15,20 C40,0 90,10 80,45 C75,65 45,68 40,68 C60,68 90,75 88,100 C85,135 30,140 12,118'],
  4: ['M65,130 L65,10 L10,95 L92,95', 'M25,10 L15,80 L90,80 M65,40 L65,130'],
  5: ['M85,10 L25,10 L18,62 C40,50 88,50 88,92 C88,135 30,140 12,115'],
  6: ['M75,12 C40,20 12,60 12,95 C12,125 35,132 52,132 C80,132 90,110 88,92 C85,70 60,62 45,65 C30,68 16,80 13,95'],
  7: ['M10,12 L90,12 L40,130', 'M10,12 L90,12 L40,130 M30,70 L80,70'],
  8: ['M50,68 C20,60 18,12 50,10 C82,12 80,60 50,68 C15,75 12,130 50,130 C88,130 85,75 50,68 Z'],
  9: ['M85,45 C85,15 60,10 48,10 C20,10 12,35 15,50 C20,75 60,78 85,50 M85,45 L80,130'],
};
const JITTER = 7;

/**
 * Ranges each digit's drawing is picked from, uniformly: how it is drawn (a font's glyph or pen strokes),
 * degrees of rotation and slant, and whether it is on photographed-like paper.
 */
export const VARIANTS = {
  'pen, upright, clean': { shape: 'pen', rotate: 0, slant: 0, paper: false },
  'pen, slanted and rotated': { shape: 'pen', rotate: 20, slant: 25, paper: false },
  'pen on photographed paper': { shape: 'pen', rotate: 20, slant: 25, paper: true },
  'font, upright, clean': { shape: 'font', rotate: 0, slant: 0, paper: false },
  'font, slanted and rotated': { shape: 'font', rotate: 20, slant: 25, paper: false },
  'font on photographed paper': { shape: 'font', rotate: 20, slant: 25, paper: true },
};

const between = (random, low, high) => low + (high - low) * random.uniform();
const pick = (random, list) => list[Math.floor(random.uniform() * list.length)];

/** One digit's picture: an SVG page, rasterised by sharp (librsvg), then noise and JPEG for the paper variant. */
export async function drawDigit(label, variant, random) {
  const width = Math.round(between(random, 140, 280)), height = Math.round(between(random, 120, 240));
  const size = between(random, 0.35, 0.75) * Math.min(width, height);
  // The glyph's centre stays far enough inside the page for any rotation of a size x size box.
  const margin = 0.55 * size;
  const cx = between(random, margin, Math.max(margin, width - margin)), cy = between(random, margin, Math.max(margin, height - margin));
  const rotate = between(random, -variant.rotate, variant.rotate), slant = between(random, -variant.slant, variant.slant);
  const paper = variant.paper ? paperOf(random, width, height) : { ground: '<rect width="100%" height="100%" fill="#ffffff"/>', ink: '#111111', over: '' };
  const glyph = variant.shape === 'pen' ? penDigit(label, size, paper.ink, random) : fontDigit(label, size, paper.ink, random);
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${paper.ground}` +
    `<g transform="translate(${cx.toFixed(1)} ${cy.toFixed(1)}) rotate(${rotate.toFixed(1)}) skewX(${slant.toFixed(1)})">${glyph}</g>${paper.over}</svg>`;
  const image = sharp(Buffer.from(svg)).flatten({ background: '#ffffff' }).greyscale();
  if (!variant.paper) return image.png().toBuffer();
  const { data, info } = await image.raw().toBuffer({ resolveWithObject: true });
  const noise = between(random, 4, 16);
  for (let i = 0; i < data.length; i += info.channels) data[i] = Math.max(0, Math.min(255, Math.round(data[i] + (random.uniform() - 0.5) * 2 * noise)));
  return sharp(data, { raw: info }).blur(between(random, 0.3, 1.2)).jpeg({ quality: Math.round(between(random, 55, 90)) }).toBuffer();
}

/** A font's glyph centred on the origin, `size` tall, thickened by a stroke of up to size/14 px. */
function fontDigit(label, size, ink, random) {
  const stroke = between(random, 0, size / 14), weight = random.uniform() < 0.3 ? 'bold' : 'normal';
  return `<text x="0" y="${(0.36 * size).toFixed(1)}" font-family="${pick(random, FONTS)}" font-weight="${weight}" font-size="${size.toFixed(1)}" text-anchor="middle" ` +
    `fill="${ink}" stroke="${ink}" stroke-width="${stroke.toFixed(2)}" stroke-linejoin="round">${label}</text>`;
}

/** The digit's pen strokes, jittered, about 0.8 size tall and 0.45-0.75 size wide around the origin, a pen of 3% to 14% of size. */
function penDigit(label, size, ink, random) {
  const path = pick(random, STROKES[label]).replace(/-?\d+(\.\d+)?/g, (n) => (Number(n) + between(random, -JITTER, JITTER)).toFixed(1));
  const height = 0.8 * size, width = between(random, 0.45, 0.75) * size, pen = between(random, 0.03, 0.14) * size;
  return `<g transform="translate(${(-width / 2).toFixed(1)} ${(-height / 2).toFixed(1)}) scale(${(width / 100).toFixed(4)} ${(height / 140).toFixed(4)})">` +
    `<path d="${path}" fill="none" stroke="${ink}" stroke-width="${(pen * 140 / height).toFixed(2)}" stroke-linecap="round" stroke-linejoin="round" vector-effect="none"/></g>`;
}

/** Off-white paper, sometimes ruled or squared, under light falling off in a random direction; a pen's blue-black. */
function paperOf(random, width, height) {
  const level = Math.round(between(random, 200, 245)), shadow = Math.round(between(random, 110, 190));
  const lines = pick(random, ['none', 'ruled', 'squared']), spacing = between(random, 24, 40), tilt = between(random, -4, 4);
  let rules = '';
  const span = 2 * Math.max(width, height);
  for (let y = -span; lines !== 'none' && y < span; y += spacing) rules += `<line x1="${-span}" y1="${y.toFixed(1)}" x2="${span}" y2="${y.toFixed(1)}" stroke="#93b2d9" stroke-width="1.5"/>`;
  for (let x = -span; lines === 'squared' && x < span; x += spacing) rules += `<line x1="${x.toFixed(1)}" y1="${-span}" x2="${x.toFixed(1)}" y2="${span}" stroke="#93b2d9" stroke-width="1.5"/>`;
  const angle = between(random, 0, 360);
  const ground = `<defs><linearGradient id="light" gradientTransform="rotate(${angle.toFixed(0)} 0.5 0.5)"><stop offset="0" stop-color="#ffffff"/>` +
    `<stop offset="1" stop-color="rgb(${shadow},${shadow},${shadow})"/></linearGradient></defs>` +
    `<rect width="100%" height="100%" fill="rgb(${level},${level},${level - 6})"/><g transform="rotate(${tilt.toFixed(1)} ${width / 2} ${height / 2})">${rules}</g>`;
  const ink = pick(random, ['#1a237e', '#202020', '#0d2a5c', '#333333']);
  return { ground, ink, over: `<rect width="100%" height="100%" fill="url(#light)" style="mix-blend-mode:multiply"/>` };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { out: { type: 'string' }, count: { type: 'string', default: '500' }, seed: { type: 'string', default: '1' } } });
  if (!values.out) throw new Error('usage: node scripts/synthetic-digits.mjs --out DIR [--count 500] [--seed 1]');
  const count = Number(values.count), seed = Number(values.seed);
  for (const [v, [name, variant]] of Object.entries(VARIANTS).entries()) {
    const dir = join(values.out, name.replace(/[^a-z]+/g, '-'));
    await mkdir(dir, { recursive: true });
    // One stream per variant: adding a variant leaves the others' images as they were.
    const random = new Random(seed * 100 + v);
    for (let i = 0; i < count; i++) {
      const label = i % 10;
      await writeFile(join(dir, `${label}-${String(i).padStart(5, '0')}.${variant.paper ? 'jpg' : 'png'}`), await drawDigit(label, variant, random));
    }
    process.stdout.write(`${dir}: ${count} digits (${name})\n`);
  }
}
