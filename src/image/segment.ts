import { MnistWasmError } from '../errors.js';
import { extractInk, frameDigit } from './preprocess.js';
import type { Box, GrayImage } from './preprocess.js';
import type { InkMeasure } from './verdict.js';

interface Component extends Box {
  area: number;
}

/** More digit-sized marks than this in one image is not a row of digits (dots, text, a texture). */
export const MAX_DIGITS = 100;

/**
 * Connected components of non-zero pixels (8-connectivity), labelled 1..n in `labels`. Memory is two Int32
 * per pixel (labels and the fill stack, where each pixel is pushed at most once) plus one box per component.
 */
export function connectedComponents(ink: GrayImage): { labels: Int32Array; components: Component[] } {
  const { width, height, pixels } = ink;
  const labels = new Int32Array(width * height);
  const stack = new Int32Array(width * height);
  const components: Component[] = [];
  for (let start = 0; start < pixels.length; start++) {
    if (!pixels[start] || labels[start]) continue;
    const label = components.length + 1;
    const c: Component = { x0: width, y0: height, x1: 0, y1: 0, area: 0 };
    labels[start] = label;
    let top = 0;
    stack[top++] = start;
    while (top) {
      const p = stack[--top];
      const x = p % width, y = (p - x) / width;
      c.area++;
      if (x < c.x0) c.x0 = x;
      if (x + 1 > c.x1) c.x1 = x + 1;
      if (y < c.y0) c.y0 = y;
      if (y + 1 > c.y1) c.y1 = y + 1;
      for (let ny = Math.max(0, y - 1); ny <= Math.min(height - 1, y + 1); ny++) {
        for (let nx = Math.max(0, x - 1); nx <= Math.min(width - 1, x + 1); nx++) {
          const q = ny * width + nx;
          if (pixels[q] && !labels[q]) {
            labels[q] = label;
            stack[top++] = q;
          }
        }
      }
    }
    components.push(c);
  }
  return { labels, components };
}

export interface Segmentation {
  /** One 28x28 input (784 values in [0, 1]) per digit, left to right. */
  inputs: Float64Array[];
  /** Each digit's box in the source image. */
  boxes: Box[];
  /** Each digit's size and contrast in the source image, for `digitVerdict`. */
  ink: InkMeasure[];
  /** Ruled or squared paper lines erased before segmentation. */
  linesRemoved: number;
}

/**
 * Splits a row of digits into one 28x28 input per digit, left to right. Specks (under 2% of the largest
 * component's area) are dropped; pieces that overlap horizontally (a broken stroke, the bar of a 5) are merged.
 * With single, all the ink that is kept is one digit. More than MAX_DIGITS digits is an error.
 */
export function segmentDigits(image: GrayImage, options: { single?: boolean } = {}): Segmentation {
  const ink = extractInk(image);
  const { labels, components } = connectedComponents(ink);
  let largest = 0;
  for (const c of components) largest = Math.max(largest, c.area);
  const kept = components.map((c, i) => ({ ...c, label: i + 1 })).filter((c) => c.area >= 0.02 * largest).sort((a, b) => a.x0 - b.x0);
  const groups: { box: Box; labels: number[] }[] = [];
  for (const c of kept) {
    const last = groups[groups.length - 1];
    const overlap = last ? Math.min(last.box.x1, c.x1) - Math.max(last.box.x0, c.x0) : -1;
    if (last && (options.single || overlap > 0.5 * Math.min(last.box.x1 - last.box.x0, c.x1 - c.x0))) {
      last.box = { x0: Math.min(last.box.x0, c.x0), y0: Math.min(last.box.y0, c.y0), x1: Math.max(last.box.x1, c.x1), y1: Math.max(last.box.y1, c.y1) };
      last.labels.push(c.label);
    } else {
      groups.push({ box: { x0: c.x0, y0: c.y0, x1: c.x1, y1: c.y1 }, labels: [c.label] });
    }
  }
  // Digit-sized groups only: a leftover fragment much shorter than the tallest digit is noise.
  let tallest = 0;
  for (const g of groups) tallest = Math.max(tallest, g.box.y1 - g.box.y0);
  const digits = groups.filter((g) => g.box.y1 - g.box.y0 >= 0.3 * tallest);
  if (digits.length > MAX_DIGITS) throw new MnistWasmError('TOO_MANY_MARKS', `${digits.length} separate marks, more than the ${MAX_DIGITS} digits one image is read as`);
  const groupOf = new Int32Array(components.length + 1).fill(-1);
  digits.forEach((g, i) => g.labels.forEach((label) => (groupOf[label] = i)));
  const inputs: Float64Array[] = [];
  const measures: InkMeasure[] = [];
  for (const [i, { box }] of digits.entries()) {
    // A crop of this group's own pixels, so a neighbour's stroke inside the box does not leak in.
    const w = box.x1 - box.x0, h = box.y1 - box.y0;
    const crop = new Uint8Array(w * h);
    let strongest = 0;
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
      const p = (box.y0 + y) * ink.width + box.x0 + x;
      if (groupOf[labels[p]] === i) strongest = Math.max(strongest, (crop[y * w + x] = ink.pixels[p]));
    }
    inputs.push(frameDigit({ width: w, height: h, pixels: crop }, { x0: 0, y0: 0, x1: w, y1: h }));
    measures.push({ width: w, height: h, contrast: (ink.contrast * strongest) / 255 });
  }
  return { inputs, boxes: digits.map((g) => g.box), ink: measures, linesRemoved: ink.linesRemoved };
}
