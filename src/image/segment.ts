import { extractInk, frameDigit } from './preprocess.js';
import type { Box, GrayImage } from './preprocess.js';

interface Component extends Box {
  area: number;
  label: number;
}

/** Connected components of non-zero pixels (8-connectivity), labelled 1..n in `labels`. */
export function connectedComponents(ink: GrayImage): { labels: Int32Array; components: Component[] } {
  const { width, height, pixels } = ink;
  const labels = new Int32Array(width * height);
  const components: Component[] = [];
  const stack: number[] = [];
  for (let start = 0; start < pixels.length; start++) {
    if (!pixels[start] || labels[start]) continue;
    const label = components.length + 1;
    const c: Component = { x0: width, y0: height, x1: 0, y1: 0, area: 0, label };
    labels[start] = label;
    stack.push(start);
    while (stack.length) {
      const p = stack.pop() as number;
      const x = p % width, y = (p - x) / width;
      c.area++;
      c.x0 = Math.min(c.x0, x); c.x1 = Math.max(c.x1, x + 1);
      c.y0 = Math.min(c.y0, y); c.y1 = Math.max(c.y1, y + 1);
      for (let ny = Math.max(0, y - 1); ny <= Math.min(height - 1, y + 1); ny++) {
        for (let nx = Math.max(0, x - 1); nx <= Math.min(width - 1, x + 1); nx++) {
          const q = ny * width + nx;
          if (pixels[q] && !labels[q]) {
            labels[q] = label;
            stack.push(q);
          }
        }
      }
    }
    components.push(c);
  }
  return { labels, components };
}

/**
 * Splits a row of digits into one 28x28 input per digit, left to right. Specks (under 2% of the largest
 * component's area) are dropped; pieces that overlap horizontally (a broken stroke, the bar of a 5) are merged.
 * With single, all the ink that is kept is one digit.
 */
export function segmentDigits(image: GrayImage, options: { single?: boolean } = {}): { inputs: Float64Array[]; boxes: Box[] } {
  const ink = extractInk(image);
  const { labels, components } = connectedComponents(ink);
  if (!components.length) return { inputs: [], boxes: [] };
  const largest = Math.max(...components.map((c) => c.area));
  const kept = components.filter((c) => c.area >= 0.02 * largest).sort((a, b) => a.x0 - b.x0);
  const groups: { box: Box; members: Set<number> }[] = [];
  for (const c of kept) {
    const last = groups[groups.length - 1];
    const overlap = last ? Math.min(last.box.x1, c.x1) - Math.max(last.box.x0, c.x0) : -1;
    if (last && (options.single || overlap > 0.5 * Math.min(last.box.x1 - last.box.x0, c.x1 - c.x0))) {
      last.box = { x0: Math.min(last.box.x0, c.x0), y0: Math.min(last.box.y0, c.y0), x1: Math.max(last.box.x1, c.x1), y1: Math.max(last.box.y1, c.y1) };
      last.members.add(c.label);
    } else {
      groups.push({ box: { x0: c.x0, y0: c.y0, x1: c.x1, y1: c.y1 }, members: new Set([c.label]) });
    }
  }
  // Digit-sized groups only: a leftover fragment much shorter than the tallest digit is noise.
  const tallest = Math.max(...groups.map((g) => g.box.y1 - g.box.y0));
  const digits = groups.filter((g) => g.box.y1 - g.box.y0 >= 0.3 * tallest);
  const inputs = digits.map((g) => {
    // Only this group's pixels, so a neighbour's stroke inside the box does not leak in.
    const own = ink.pixels.map((v, i) => (g.members.has(labels[i]) ? v : 0));
    return frameDigit({ width: ink.width, height: ink.height, pixels: own }, g.box);
  });
  return { inputs, boxes: digits.map((g) => g.box) };
}
