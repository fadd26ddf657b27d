// Turning a photo or drawing of a digit into what MNIST looks like: grayscale, light ink on black,
// paper texture thresholded away, cropped, longer side scaled to 20 px, centre of mass at the centre of 28x28.
// Pure TypeScript over pixel arrays, so the CLI (via sharp) and the browser (canvas ImageData) share it.

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

/**
 * Ink as bright values on black: inverted when the background (the border's median) is light; pixels
 * within the paper's own noise (3 robust standard deviations of the border, at least 24 levels, at most
 * Otsu's threshold) set to zero; the rest scaled so paper is 0 and the darkest ink 255, which keeps the
 * anti-aliased edges that MNIST's strokes have.
 */
export function extractInk(image: GrayImage): GrayImage {
  const { width, height } = image;
  const border: number[] = [];
  for (let x = 0; x < width; x++) border.push(image.pixels[x], image.pixels[(height - 1) * width + x]);
  for (let y = 0; y < height; y++) border.push(image.pixels[y * width], image.pixels[y * width + width - 1]);
  border.sort((a, b) => a - b);
  const median = border[border.length >> 1];
  const invert = median > 127;
  const ink = invert ? image.pixels.map((v) => 255 - v) : image.pixels.slice();
  const paper = invert ? 255 - median : median;
  const deviations = border.map((v) => Math.abs(v - median)).sort((a, b) => a - b);
  const noise = 1.4826 * deviations[deviations.length >> 1];
  const threshold = Math.min(Math.max(paper + 24, paper + 3 * noise), Math.max(paper + 1, otsuThreshold(ink)));
  let max = 0;
  for (const v of ink) if (v > max) max = v;
  const span = Math.max(1, max - paper);
  for (let i = 0; i < ink.length; i++) ink[i] = ink[i] <= threshold ? 0 : Math.round((255 * (ink[i] - paper)) / span);
  return { width, height, pixels: ink };
}

/** A rectangle of pixels, [x0, x1) x [y0, y1). */
export interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** Area-average resampling of a region to w x h: each output pixel is the mean of the input it covers. */
export function resample(image: GrayImage, box: Box, w: number, h: number): Float64Array {
  const out = new Float64Array(w * h);
  const sx = (box.x1 - box.x0) / w;
  const sy = (box.y1 - box.y0) / h;
  for (let oy = 0; oy < h; oy++) {
    const ya = box.y0 + oy * sy, yb = ya + sy;
    for (let ox = 0; ox < w; ox++) {
      const xa = box.x0 + ox * sx, xb = xa + sx;
      let sum = 0, area = 0;
      for (let y = Math.floor(ya); y < Math.ceil(yb); y++) {
        const wy = Math.min(yb, y + 1) - Math.max(ya, y);
        for (let x = Math.floor(xa); x < Math.ceil(xb); x++) {
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

/** MNIST's framing of extracted ink: longer side to 20 px, centre of mass at the centre of 28x28; values in [0,1]. */
export function frameDigit(ink: GrayImage, box: Box): Float64Array {
  const bw = box.x1 - box.x0, bh = box.y1 - box.y0;
  const scale = BOX / Math.max(bw, bh);
  const w = Math.max(1, Math.round(bw * scale)), h = Math.max(1, Math.round(bh * scale));
  const small = resample(ink, box, w, h);
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
