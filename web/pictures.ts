// Pictures of 28x28 things: test digits (dark ink on white) and weight vectors (red positive, blue negative).
export const SIDE = 28;
/** Weight images per row of the "inside the network" canvas, and the gap between them (canvas pixels). */
const COLUMNS = 16;
const GAP = 2;
export const WEIGHT_SLOTS = 64;

/** A digit's 784 bytes (0 = background) as ink on paper. */
export function digitImage(pixels: Uint8Array, offset = 0): ImageData {
  const image = new ImageData(SIDE, SIDE);
  for (let i = 0; i < SIDE * SIDE; i++) {
    const shade = 255 - pixels[offset + i];
    image.data.set([shade, shade, shade, 255], 4 * i);
  }
  return image;
}

/** Draws 28x28 image data scaled to fill a canvas, without smoothing. */
export function drawScaled(target: HTMLCanvasElement, image: ImageData): void {
  const small = document.createElement('canvas');
  small.width = small.height = SIDE;
  (small.getContext('2d') as CanvasRenderingContext2D).putImageData(image, 0, 0);
  const context = target.getContext('2d') as CanvasRenderingContext2D;
  context.imageSmoothingEnabled = false;
  context.drawImage(small, 0, 0, target.width, target.height);
}

/** `count` digits (count x 784 values, 0..1) side by side as ink on paper, GAP apart; the canvas is blanked first. */
export function drawDigitStrip(canvas: HTMLCanvasElement, inputs: Float64Array, count: number): void {
  const context = canvas.getContext('2d') as CanvasRenderingContext2D;
  const image = context.createImageData(canvas.width, canvas.height);
  image.data.fill(255);
  for (let d = 0; d < count && (d + 1) * SIDE + d * GAP <= canvas.width; d++) {
    for (let i = 0; i < SIDE * SIDE; i++) {
      const shade = 255 - Math.round(255 * Math.min(1, Math.max(0, inputs[d * SIDE * SIDE + i])));
      image.data.set([shade, shade, shade, 255], 4 * (Math.floor(i / SIDE) * canvas.width + d * (SIDE + GAP) + (i % SIDE)));
    }
  }
  context.putImageData(image, 0, 0);
}

/** Size of the weights canvas for WEIGHT_SLOTS images, fixed so the page does not move when they appear. */
export function weightCanvasSize(): { width: number; height: number } {
  const rows = Math.ceil(WEIGHT_SLOTS / COLUMNS);
  return { width: COLUMNS * (SIDE + GAP) - GAP, height: rows * (SIDE + GAP) - GAP };
}

/** `count` weight vectors of 784, each scaled by its own largest magnitude; empty slots stay grey. */
export function drawWeights(canvas: HTMLCanvasElement, weights: Float32Array, count: number): void {
  const context = canvas.getContext('2d') as CanvasRenderingContext2D;
  const image = context.createImageData(canvas.width, canvas.height);
  image.data.fill(255);
  for (let slot = 0; slot < WEIGHT_SLOTS; slot++) {
    const left = (slot % COLUMNS) * (SIDE + GAP);
    const top = Math.floor(slot / COLUMNS) * (SIDE + GAP);
    let largest = 0;
    for (let i = 0; slot < count && i < SIDE * SIDE; i++) largest = Math.max(largest, Math.abs(weights[slot * SIDE * SIDE + i]));
    for (let i = 0; i < SIDE * SIDE; i++) {
      const at = 4 * ((top + Math.floor(i / SIDE)) * canvas.width + left + (i % SIDE));
      if (slot >= count) {
        image.data.set([236, 238, 242, 255], at);
        continue;
      }
      const v = largest ? weights[slot * SIDE * SIDE + i] / largest : 0;
      // White at zero, towards #b2182b for positive and #2166ac for negative weights.
      const [r, g, b] = v >= 0 ? [178, 24, 43] : [33, 102, 172];
      const t = Math.abs(v);
      image.data.set([255 + (r - 255) * t, 255 + (g - 255) * t, 255 + (b - 255) * t, 255], at);
    }
  }
  context.putImageData(image, 0, 0);
}
