// Ruled and squared notebook paper: its lines are long, thin, straight and paler than ink. Left in, they join
// every stroke into one component and widen the digit's crop, so they are found and erased before segmentation.

/** A candidate line in one orientation: offsets [b0, b1] across it at the estimated tilt, and its typical level. */
interface Band {
  b0: number;
  b1: number;
  level: number;
}

/** One orientation of the image: `along` runs the length of the lines (x for ruled lines), `across` crosses them. */
interface Orientation {
  along: number;
  across: number;
  strideAlong: number;
  strideAcross: number;
}

/** The candidate lines of one orientation, at the tilt the strokes line up best. */
interface LineSet {
  orientation: Orientation;
  slope: number;
  bands: Band[];
}

const MAX_TILT_DEGREES = 6;
/** A line covers at least this fraction of its path inside the image, from edge to edge. */
const MIN_COVERAGE = 0.8;
/** A line's level is at most this fraction of the ink's, so a digit's long bar is not taken for one. */
const MAX_PALENESS = 0.75;

/** Positions (along, across) of the pixels above threshold: the projections below visit only these. */
interface Strokes {
  along: Int32Array;
  across: Int32Array;
}

function strokePositions(pixels: Uint8Array, o: Orientation, threshold: number): Strokes {
  let n = 0;
  for (const v of pixels) if (v > threshold) n++;
  const along = new Int32Array(n), across = new Int32Array(n);
  for (let a = 0, k = 0; a < o.along; a++) {
    for (let c = 0; c < o.across; c++) {
      if (pixels[a * o.strideAlong + c * o.strideAcross] > threshold) (along[k] = a, across[k++] = c);
    }
  }
  return { along, across };
}

/** How many stroke pixels fall in each bin across the lines when they run at this slope. */
function projection(strokes: Strokes, o: Orientation, slope: number): Float64Array {
  const shift = Math.ceil(Math.abs(slope) * o.along) + 1;
  const counts = new Float64Array(o.across + 2 * shift);
  for (let k = 0; k < strokes.along.length; k++) counts[Math.round(strokes.across[k] + shift - strokes.along[k] * slope)]++;
  return counts;
}

/** Sum of squared counts: largest when the bins line up with straight lines. */
function sharpness(counts: Float64Array): number {
  let sum = 0;
  for (const n of counts) sum += n * n;
  return sum;
}

/** The slope (across per along) at which the strokes above threshold line up best, coarse then fine. */
function bestSlope(strokes: Strokes, o: Orientation): number {
  let best = 0, bestScore = -1;
  const search = (from: number, to: number, step: number): void => {
    for (let degrees = from; degrees <= to + 1e-9; degrees += step) {
      const score = sharpness(projection(strokes, o, Math.tan((degrees * Math.PI) / 180)));
      if (score > bestScore) [bestScore, best] = [score, degrees];
    }
  };
  search(-MAX_TILT_DEGREES, MAX_TILT_DEGREES, 0.5);
  search(best - 0.25, best + 0.25, 0.05);
  return Math.tan((best * Math.PI) / 180);
}

/** Runs of consecutive bins at or above `level` within [from, to]. */
function runs(counts: Float64Array, from: number, to: number, level: number): [number, number][] {
  const found: [number, number][] = [];
  for (let b = from; b <= to; b++) {
    if (counts[b] < level) continue;
    let end = b;
    while (end + 1 <= to && counts[end + 1] >= level) end++;
    found.push([b, end]);
    b = end;
  }
  return found;
}

/**
 * The band's level if it is a line's path: covered at 80% of its positions inside the image, including the
 * first and last few (a line runs off the paper's edge, a stroke of a tightly cropped 1 stops short of it).
 * The level is the median of each covered position's strongest pixel.
 */
function lineLevel(pixels: Uint8Array, o: Orientation, threshold: number, slope: number, b0: number, b1: number): number | undefined {
  const strongest: number[] = [];
  let inside = 0, firstInside = -1, lastInside = -1, first = -1, last = -1;
  for (let a = 0; a < o.along; a++) {
    const c0 = Math.round(b0 + a * slope), c1 = Math.round(b1 + a * slope);
    if (c0 < 0 || c1 >= o.across) continue;
    inside++;
    if (firstInside < 0) firstInside = a;
    lastInside = a;
    let max = 0;
    for (let c = Math.max(0, c0 - 1); c <= Math.min(o.across - 1, c1 + 1); c++) max = Math.max(max, pixels[a * o.strideAlong + c * o.strideAcross]);
    if (max > threshold) {
      strongest.push(max);
      if (first < 0) first = a;
      last = a;
    }
  }
  const margin = Math.max(2, Math.round(0.02 * o.along));
  if (!inside || strongest.length < MIN_COVERAGE * inside || first - firstInside > margin || lastInside - last > margin) return undefined;
  strongest.sort((x, y) => x - y);
  return strongest[strongest.length >> 1];
}

/**
 * Thin bands of bins that cross most of the image. A run of bins too thick to be a line (a line beside a
 * digit's stroke, or lines of the other orientation adding to every bin) is split at 70% of its peak.
 */
function lineBands(pixels: Uint8Array, strokes: Strokes, o: Orientation, threshold: number, slope: number): Band[] {
  const counts = projection(strokes, o, slope);
  const shift = Math.ceil(Math.abs(slope) * o.along) + 1;
  const maxThickness = Math.max(4, Math.round(0.04 * o.across));
  const bands: Band[] = [];
  for (const [from, to] of runs(counts, 0, counts.length - 1, 0.3 * o.along)) {
    let peak = 0;
    for (let b = from; b <= to; b++) peak = Math.max(peak, counts[b]);
    const thin = to - from + 1 <= maxThickness ? [[from, to] as [number, number]] : runs(counts, from, to, 0.7 * peak);
    for (const [b0, b1] of thin) {
      if (b1 - b0 + 1 > maxThickness) continue;
      const level = lineLevel(pixels, o, threshold, slope, b0 - shift, b1 - shift);
      if (level !== undefined) bands.push({ b0: b0 - shift, b1: b1 - shift, level });
    }
  }
  return bands;
}

/** Calls `visit` with the index of every pixel within `margin` of the band's path. */
function bandPixels(o: Orientation, slope: number, band: Band, margin: number, visit: (i: number) => void): void {
  for (let a = 0; a < o.along; a++) {
    const base = a * slope;
    for (let c = Math.max(0, Math.round(band.b0 + base) - margin); c <= Math.min(o.across - 1, Math.round(band.b1 + base) + margin); c++) {
      visit(a * o.strideAlong + c * o.strideAcross);
    }
  }
}

/**
 * In place, on an image where ink is bright and the paper 0: finds straight lines (up to 6 degrees of tilt)
 * that run from edge to edge, horizontally (or vertically, beside horizontal ones), and are paler than the
 * ink elsewhere; within 2 px of each, pixels no stronger than 1.25x the line are erased, so ink crossing a
 * line is kept. Returns the number of lines removed.
 */
export function removeRuledLines(pixels: Uint8Array, width: number, height: number, threshold: number): number {
  const orientations: Orientation[] = [
    { along: width, across: height, strideAlong: 1, strideAcross: width },
    { along: height, across: width, strideAlong: width, strideAcross: 1 },
  ];
  const sets: LineSet[] = orientations.map((orientation) => {
    const strokes = strokePositions(pixels, orientation, threshold);
    const slope = bestSlope(strokes, orientation);
    return { orientation, slope, bands: lineBands(pixels, strokes, orientation, threshold, slope) };
  });
  if (!sets.some((s) => s.bands.length)) return 0;
  // The ink's level: a high percentile of what is left outside every candidate line.
  const near = new Uint8Array(width * height);
  for (const { orientation, slope, bands } of sets) for (const band of bands) bandPixels(orientation, slope, band, 2, (i) => (near[i] = 1));
  const histogram = new Float64Array(256);
  let outside = 0;
  for (let i = 0; i < pixels.length; i++) if (!near[i] && pixels[i] > threshold) (histogram[pixels[i]]++, outside++);
  let inkLevel = 255;
  for (let v = 255, seen = 0; v > threshold; v--) if ((seen += histogram[v]) > 0.01 * outside) {
    inkLevel = v;
    break;
  }
  // A candidate as strong as the ink is a stroke; one far stronger than anything else is a line on blank paper.
  const isLine = (band: Band): boolean => band.level <= MAX_PALENESS * inkLevel || band.level >= 1.5 * inkLevel || outside === 0;
  // Vertical lines come with horizontal ones (squared paper, a margin on ruled paper); alone, it is a 1.
  const ruled = sets[0].bands.some(isLine);
  let removed = 0;
  for (const [k, set] of sets.entries()) {
    if (k === 1 && !ruled) continue;
    for (const band of set.bands) {
      if (!isLine(band)) continue;
      removed++;
      const cut = Math.min(254, Math.round(band.level * 1.25));
      bandPixels(set.orientation, set.slope, band, 2, (i) => {
        if (pixels[i] <= cut) pixels[i] = 0;
      });
    }
  }
  return removed;
}
