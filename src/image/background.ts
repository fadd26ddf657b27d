// Uneven light (a photo lit from one side, a shadow) makes the paper's brightness vary across the image.
// Estimating the paper level locally and measuring ink against it makes the paper uniform before thresholding.

/** The p-th fraction of each block's values (blocks of `block` x `block` pixels), as a grid. */
function blockPercentiles(pixels: Uint8Array, width: number, height: number, block: number, p: number): { grid: Float64Array; cols: number; rows: number } {
  const cols = Math.ceil(width / block), rows = Math.ceil(height / block);
  const grid = new Float64Array(cols * rows);
  const histogram = new Uint32Array(256);
  for (let by = 0; by < rows; by++) {
    for (let bx = 0; bx < cols; bx++) {
      histogram.fill(0);
      const x1 = Math.min(width, (bx + 1) * block), y1 = Math.min(height, (by + 1) * block);
      for (let y = by * block; y < y1; y++) for (let x = bx * block; x < x1; x++) histogram[pixels[y * width + x]]++;
      const rank = p * (x1 - bx * block) * (y1 - by * block);
      let seen = 0, v = 0;
      while (v < 255 && seen + histogram[v] <= rank) seen += histogram[v++];
      grid[by * cols + bx] = v;
    }
  }
  return { grid, cols, rows };
}

/** Min (erode) or max (dilate) over a (2r+1) square of grid cells. */
function gridFilter(grid: Float64Array, cols: number, rows: number, r: number, pick: (a: number, b: number) => number): Float64Array {
  const out = new Float64Array(grid.length);
  for (let y = 0; y < rows; y++) for (let x = 0; x < cols; x++) {
    let v = grid[y * cols + x];
    for (let yy = Math.max(0, y - r); yy <= Math.min(rows - 1, y + r); yy++) {
      for (let xx = Math.max(0, x - r); xx <= Math.min(cols - 1, x + r); xx++) v = pick(v, grid[yy * cols + xx]);
    }
    out[y * cols + x] = v;
  }
  return out;
}

/**
 * In place, on an image where ink is bright and paper dark: each pixel becomes its contrast against the local
 * paper level, (v - paper) / (255 - paper) x 255, which for a photo is ink darkness relative to the paper around it.
 * The paper level is a low percentile per block, opened (min then max over 5x5 blocks) so that strokes smaller
 * than about a third of the image do not count as paper, then interpolated bilinearly between block centres.
 */
export function flattenBackground(pixels: Uint8Array, width: number, height: number): void {
  const block = Math.max(4, Math.ceil(Math.min(width, height) / 16));
  const { grid, cols, rows } = blockPercentiles(pixels, width, height, block, 0.25);
  const paper = gridFilter(gridFilter(grid, cols, rows, 2, Math.min), cols, rows, 2, Math.max);
  for (let y = 0; y < height; y++) {
    const gy = Math.min(rows - 1, Math.max(0, (y + 0.5) / block - 0.5));
    const y0 = Math.floor(gy), y1 = Math.min(rows - 1, y0 + 1), fy = gy - y0;
    for (let x = 0; x < width; x++) {
      const gx = Math.min(cols - 1, Math.max(0, (x + 0.5) / block - 0.5));
      const x0 = Math.floor(gx), x1 = Math.min(cols - 1, x0 + 1), fx = gx - x0;
      const level = (1 - fy) * ((1 - fx) * paper[y0 * cols + x0] + fx * paper[y0 * cols + x1]) + fy * ((1 - fx) * paper[y1 * cols + x0] + fx * paper[y1 * cols + x1]);
      const i = y * width + x;
      pixels[i] = level >= 255 ? 0 : Math.max(0, Math.min(255, Math.round(((pixels[i] - level) * 255) / (255 - level))));
    }
  }
}
