// Turning a photo or drawing of a digit into what MNIST looks like: grayscale, light ink on black, uneven
// light evened out, notebook lines erased, paper texture thresholded away, cropped, thin strokes widened,
// longer side scaled to 20 px, centre of mass at the centre of 28x28.
// Pure TypeScript over pixel arrays, so the CLI (via sharp) and the browser (canvas ImageData) share it.

import { flattenBackground } from './background.js';
import { removeRuledLines } from './lines.js';

/** An 8-bit grayscale image, row-major. */
export interface GrayImage {
  width: number;
  height: number;
  pixels: Uint8Array;
}

export const FIELD = 28;
export const BOX = 20;

/** Canvas RGBA to grayscale, with transparency composited onto white paper. */
export function rgbaToGray(rgba: Uint8ClampedArray | Uint8Array, width: number, height: number): GrayImage {
  const pixels = new Uint8Array(width * height);
  for (let i = 0; i < pixels.length; i++) {
    const alpha = rgba[4 * i + 3] / 255;
    const luma = 0.299 * rgba[4 * i] + 0.587 * rgba[4 * i + 1] + 0.114 * rgba[4 * i + 2];
    pixels[i] = Math.round(luma * alpha + 255 * (1 - alpha));
  }
  return { width, height, pixels };
}

/** Otsu's threshold: the level that best separates the histogram into two classes. */
export function otsuThreshold(pixels: Uint8Array): number {
  const histogram = new Float64Array(256);
  for (const v of pixels) histogram[v]++;
  const total = pixels.length;
  let sumAll = 0;
  for (let v = 0; v < 256; v++) sumAll += v * histogram[v];
  let sumBelow = 0, countBelow = 0, best = 0, bestVariance = -1;
  for (let t = 0; t < 256; t++) {
    countBelow += histogram[t];
    if (countBelow === 0) continue;
    const countAbove = total - countBelow;
    if (countAbove === 0) break;
    sumBelow += t * histogram[t];
    const meanBelow = sumBelow / countBelow;
    const meanAbove = (sumAll - sumBelow) / countAbove;
    const variance = countBelow * countAbove * (meanBelow - meanAbove) ** 2;
    if (variance > bestVariance) {
      bestVariance = variance;
      best = t;
    }
  }
  return best;
}

/** An image of ink as bright values on black (0 is paper, 255 the darkest ink). */
export interface InkImage extends GrayImage {
  /** The darkest ink's contrast against the paper around it, 0-1. */
  contrast: number;
  /** Ruled or squared paper lines erased. */
  linesRemoved: number;
}

/** Median and robust standard deviation (1.4826 MAD) of the image's border pixels. */
function borderStats(pixels: Uint8Array, width: number, height: number): { median: number; noise: number } {
  const border: number[] = [];
  for (let x = 0; x < width; x++) border.push(pixels[x], pixels[(height - 1) * width + x]);
  for (let y = 0; y < height; y++) border.push(pixels[y * width], pixels[y * width + width - 1]);
  border.sort((a, b) => a - b);
  const median = border[border.length >> 1];
  const deviations = border.map((v) => Math.abs(v - median)).sort((a, b) => a - b);
  return { median, noise: 1.4826 * deviations[deviations.length >> 1] };
}

/**
 * Ink as bright values on black: inverted when the background (the border's median) is light; measured
 * against the local paper level (uneven light); ruled and squared paper lines erased; pixels within the
 * paper's own noise (3 robust standard deviations of the border, at least 24 levels, at most Otsu's
 * threshold) set to zero; the rest scaled so paper is 0 and the darkest ink 255, which keeps the
 * anti-aliased edges that MNIST's strokes have.
 */
export function extractInk(image: GrayImage): InkImage {
  const { width, height } = image;
  const invert = borderStats(image.pixels, width, height).median > 127;
  const ink = invert ? image.pixels.map((v) => 255 - v) : image.pixels.slice();
  flattenBackground(ink, width, height);
  const { median: paper, noise } = borderStats(ink, width, height);
  const noiseFloor = Math.max(paper + 24, paper + 3 * noise);
  const linesRemoved = removeRuledLines(ink, width, height, noiseFloor);
  const threshold = Math.min(noiseFloor, Math.max(paper + 1, otsuThreshold(ink)));
  let max = 0;
  for (const v of ink) if (v > max) max = v;
  const span = Math.max(1, max - paper);
  for (let i = 0; i < ink.length; i++) ink[i] = ink[i] <= threshold ? 0 : Math.round((255 * (ink[i] - paper)) / span);
  return { width, height, pixels: ink, contrast: max > threshold ? span / 255 : 0, linesRemoved };
}

/** A rectangle of pixels, [x0, x1) x [y0, y1). */
export interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** Area-average resampling of a region to w x h: each output pixel is the mean of the input it covers (rounding never reads past the box). */
export function resample(image: GrayImage, box: Box, w: number, h: number): Float64Array {
  const out = new Float64Array(w * h);
  const sx = (box.x1 - box.x0) / w;
  const sy = (box.y1 - box.y0) / h;
  for (let oy = 0; oy < h; oy++) {
    const ya = box.y0 + oy * sy, yb = ya + sy;
    for (let ox = 0; ox < w; ox++) {
      const xa = box.x0 + ox * sx, xb = xa + sx;
      let sum = 0, area = 0;
      for (let y = Math.floor(ya); y < Math.min(box.y1, Math.ceil(yb)); y++) {
        const wy = Math.min(yb, y + 1) - Math.max(ya, y);
        for (let x = Math.floor(xa); x < Math.min(box.x1, Math.ceil(xb)); x++) {
          const wx = Math.min(xb, x + 1) - Math.max(xa, x);
          sum += wx * wy * image.pixels[y * image.width + x];
          area += wx * wy;
        }
      }
      out[oy * w + ox] = area ? sum / area : 0;
    }
  }
  return out;
}

/** The smallest box around every non-zero pixel, or undefined for a blank image. */
export function inkBounds(image: GrayImage): Box | undefined {
  let x0 = image.width, y0 = image.height, x1 = -1, y1 = -1;
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      if (image.pixels[y * image.width + x]) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  }
  return x1 < 0 ? undefined : { x0, y0, x1: x1 + 1, y1: y1 + 1 };
}

/** Stroke width of the ink above half its maximum, estimated as 2 x area / perimeter (4-neighbour edges). */
function strokeWidth(crop: GrayImage): number {
  const { width, height, pixels } = crop;
  let max = 0;
  for (const v of pixels) if (v > max) max = v;
  let area = 0, edges = 0;
  const on = (x: number, y: number): boolean => x >= 0 && y >= 0 && x < width && y < height && pixels[y * width + x] > max / 2;
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) {
    if (!on(x, y)) continue;
    area++;
    edges += Number(!on(x - 1, y)) + Number(!on(x + 1, y)) + Number(!on(x, y - 1)) + Number(!on(x, y + 1));
  }
  return edges ? (2 * area) / edges : 0;
}

/** Maximum over a (2r+1) square, separably; out of range counts as 0. */
function dilate(crop: GrayImage, r: number): GrayImage {
  const { width, height, pixels } = crop;
  const rows = new Uint8Array(pixels.length), out = new Uint8Array(pixels.length);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) {
    let m = 0;
    for (let xx = Math.max(0, x - r); xx <= Math.min(width - 1, x + r); xx++) m = Math.max(m, pixels[y * width + xx]);
    rows[y * width + x] = m;
  }
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) {
    let m = 0;
    for (let yy = Math.max(0, y - r); yy <= Math.min(height - 1, y + r); yy++) m = Math.max(m, rows[yy * width + x]);
    out[y * width + x] = m;
  }
  return { width, height, pixels: out };
}

/** MNIST's strokes are about 9% of the digit's longer side (median; 10% of digits are under 7%). */
const MNIST_STROKE = 0.09, THIN_STROKE = 0.07;

/**
 * The box's ink, with strokes thinner than MNIST's (a ballpoint pen photographed large) widened to MNIST's
 * proportion, so that they do not turn into faint 1-pixel lines when the digit is scaled down to 20 px.
 */
export function thickenStrokes(ink: GrayImage, box: Box): GrayImage {
  const width = box.x1 - box.x0, height = box.y1 - box.y0;
  const crop = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) crop.set(ink.pixels.subarray((box.y0 + y) * ink.width + box.x0, (box.y0 + y) * ink.width + box.x1), y * width);
  const own = { width, height, pixels: crop };
  const side = Math.max(width, height), stroke = strokeWidth(own);
  if (stroke >= THIN_STROKE * side) return own;
  return dilate(own, Math.max(1, Math.round((MNIST_STROKE * side - stroke) / 2)));
}

/** MNIST's framing of extracted ink: thin strokes thickened, longer side to 20 px, centre of mass at the centre of 28x28; values in [0,1]. */
export function frameDigit(ink: GrayImage, box: Box): Float64Array {
  const bw = box.x1 - box.x0, bh = box.y1 - box.y0;
  const scale = BOX / Math.max(bw, bh);
  const w = Math.max(1, Math.round(bw * scale)), h = Math.max(1, Math.round(bh * scale));
  const small = resample(thickenStrokes(ink, box), { x0: 0, y0: 0, x1: bw, y1: bh }, w, h);
  let mass = 0, mx = 0, my = 0;
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const v = small[y * w + x];
    mass += v;
    mx += v * x;
    my += v * y;
  }
  // Pixel centres are at +0.5; the field's centre is at 14.
  const dx = Math.round(FIELD / 2 - (mx / mass + 0.5));
  const dy = Math.round(FIELD / 2 - (my / mass + 0.5));
  const field = new Float64Array(FIELD * FIELD);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const fx = x + dx, fy = y + dy;
    if (fx >= 0 && fx < FIELD && fy >= 0 && fy < FIELD) field[fy * FIELD + fx] = Math.min(1, small[y * w + x] / 255);
  }
  return field;
}

/** One image of one digit to the network's 784 inputs; undefined when there is no ink. */
export function preprocessDigit(image: GrayImage): Float64Array | undefined {
  const ink = extractInk(image);
  const box = inkBounds(ink);
  return box ? frameDigit(ink, box) : undefined;
}
