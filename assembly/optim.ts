// The optimizers beyond fused SGD: one step of a layer's rows from the mean mini-batch gradient, with the moments
// in the same layout as the parameters (each at a fixed byte offset from its parameter), and max-norm per row.
// Each step zeroes the gradient it has read, so the next mini-batch accumulates into a clear buffer without a pass of its own.
// Plain f64x2 mul/add (no fused madd): every lane rounds as the scalar tail and the TypeScript twin do.
import { dot } from './simd';

// Scales a weight row to L2 norm maxNorm when it is longer (maxNorm 0: off).
// @ts-ignore: decorator
@inline function clipRow(row: usize, nIn: i32, maxNorm: f64): void {
  if (maxNorm <= 0) return;
  const norm = Math.sqrt(dot(row, row, nIn));
  if (norm <= maxNorm) return;
  const scale = maxNorm / norm;
  const s = f64x2.splat(scale);
  const pairEnd = (<usize>(nIn & ~1)) << 3;
  for (let k: usize = 0; k < pairEnd; k += 16) v128.store(row + k, f64x2.mul(s, v128.load(row + k)));
  if (nIn & 1) store<f64>(row + pairEnd, scale * load<f64>(row + pairEnd));
}

/** Max-norm alone (after a fused SGD step): rows jStart..jEnd of weights (nOut, nIn) scaled to norm maxNorm when longer. */
export function maxNormRows(weights: usize, nIn: i32, maxNorm: f64, jStart: i32, jEnd: i32): void {
  const inRow = <usize>nIn << 3;
  for (let j = jStart; j < jEnd; j++) clipRow(weights + <usize>j * inRow, nIn, maxNorm);
}

// One momentum element: g = gradient + weightDecay * w; v = mu * v - eta * g; w += v (or, Nesterov, mu * v - eta * g).
// @ts-ignore: decorator
@inline function momentumLanes(p: usize, gradientOffset: usize, velocityOffset: usize, eta: v128, mu: v128, weightDecay: v128, nesterov: i32): void {
  const w = v128.load(p);
  const g = f64x2.add(v128.load(p + gradientOffset), f64x2.mul(weightDecay, w));
  v128.store(p + gradientOffset, f64x2.splat(0));
  const step = f64x2.mul(eta, g);
  const v = f64x2.sub(f64x2.mul(mu, v128.load(p + velocityOffset)), step);
  v128.store(p + velocityOffset, v);
  v128.store(p, f64x2.add(w, nesterov ? f64x2.sub(f64x2.mul(mu, v), step) : v));
}

// @ts-ignore: decorator
@inline function momentumOne(p: usize, gradientOffset: usize, velocityOffset: usize, eta: f64, mu: f64, weightDecay: f64, nesterov: i32): void {
  const w = load<f64>(p);
  const g = load<f64>(p + gradientOffset) + weightDecay * w;
  store<f64>(p + gradientOffset, 0);
  const step = eta * g;
  const v = mu * load<f64>(p + velocityOffset) - step;
  store<f64>(p + velocityOffset, v);
  store<f64>(p, w + (nesterov ? mu * v - step : v));
}

/** Momentum (nesterov 0) or Nesterov (1) on rows jStart..jEnd of a layer: weights (nOut, nIn) with L2 weightDecay
 *  (lambda / n) added to their gradient, biases without; the gradient at +gradientOffset bytes, the velocity at
 *  +velocityOffset, from every parameter. Then max-norm on each updated row. */
export function momentumRows(
  weights: usize, biases: usize, gradientOffset: usize, velocityOffset: usize, nIn: i32,
  eta: f64, mu: f64, weightDecay: f64, nesterov: i32, maxNorm: f64,
  jStart: i32, jEnd: i32,
): void {
  assert(((weights | gradientOffset | velocityOffset) & 15) == 0, 'momentumRows: buffers must be 16-byte aligned');
  const inRow = <usize>nIn << 3;
  const pairEnd = (<usize>(nIn & ~1)) << 3;
  const vEta = f64x2.splat(eta), vMu = f64x2.splat(mu), vDecay = f64x2.splat(weightDecay);
  for (let j = jStart; j < jEnd; j++) {
    const row = weights + <usize>j * inRow;
    for (let k: usize = 0; k < pairEnd; k += 16) momentumLanes(row + k, gradientOffset, velocityOffset, vEta, vMu, vDecay, nesterov);
    if (nIn & 1) momentumOne(row + pairEnd, gradientOffset, velocityOffset, eta, mu, weightDecay, nesterov);
    momentumOne(biases + (<usize>j << 3), gradientOffset, velocityOffset, eta, mu, 0, nesterov);
    clipRow(row, nIn, maxNorm);
  }
}

// One Adam element: m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2; w = decay w - stepSize m / (sqrt(v) * rootCorrection + epsilon),
// rootCorrection = 1 / sqrt(1 - beta2^t): one square root and one division per element (as PyTorch's Adam).
// @ts-ignore: decorator
@inline function adamLanes(p: usize, gradientOffset: usize, firstOffset: usize, secondOffset: usize, b1: v128, c1: v128, b2: v128, c2: v128, stepSize: v128, rootCorrection: v128, epsilon: v128, decay: v128): void {
  const g = v128.load(p + gradientOffset);
  v128.store(p + gradientOffset, f64x2.splat(0));
  const m = f64x2.add(f64x2.mul(b1, v128.load(p + firstOffset)), f64x2.mul(c1, g));
  const v = f64x2.add(f64x2.mul(b2, v128.load(p + secondOffset)), f64x2.mul(c2, f64x2.mul(g, g)));
  v128.store(p + firstOffset, m);
  v128.store(p + secondOffset, v);
  const denominator = f64x2.add(f64x2.mul(f64x2.sqrt(v), rootCorrection), epsilon);
  v128.store(p, f64x2.sub(f64x2.mul(decay, v128.load(p)), f64x2.div(f64x2.mul(stepSize, m), denominator)));
}

// @ts-ignore: decorator
@inline function adamOne(p: usize, gradientOffset: usize, firstOffset: usize, secondOffset: usize, beta1: f64, beta2: f64, stepSize: f64, rootCorrection: f64, epsilon: f64, decay: f64): void {
  const g = load<f64>(p + gradientOffset);
  store<f64>(p + gradientOffset, 0);
  const m = beta1 * load<f64>(p + firstOffset) + (1.0 - beta1) * g;
  const v = beta2 * load<f64>(p + secondOffset) + (1.0 - beta2) * (g * g);
  store<f64>(p + firstOffset, m);
  store<f64>(p + secondOffset, v);
  store<f64>(p, decay * load<f64>(p) - (stepSize * m) / (Math.sqrt(v) * rootCorrection + epsilon));
}

/** Adam on rows jStart..jEnd of a layer, AdamW's decoupled decay (w *= decay) on the weights only; stepSize is
 *  eta / (1 - beta1^t), rootCorrection 1 / sqrt(1 - beta2^t) (the host computes both). Moments at +firstOffset, +secondOffset
 *  bytes from every parameter, the gradient at +gradientOffset. Then max-norm on each updated row. */
export function adamRows(
  weights: usize, biases: usize, gradientOffset: usize, firstOffset: usize, secondOffset: usize, nIn: i32,
  stepSize: f64, beta1: f64, beta2: f64, epsilon: f64, rootCorrection: f64, decay: f64, maxNorm: f64,
  jStart: i32, jEnd: i32,
): void {
  assert(((weights | gradientOffset | firstOffset | secondOffset) & 15) == 0, 'adamRows: buffers must be 16-byte aligned');
  const inRow = <usize>nIn << 3;
  const pairEnd = (<usize>(nIn & ~1)) << 3;
  const b1 = f64x2.splat(beta1), c1 = f64x2.splat(1.0 - beta1), b2 = f64x2.splat(beta2), c2 = f64x2.splat(1.0 - beta2);
  const vStep = f64x2.splat(stepSize), vCorrection = f64x2.splat(rootCorrection), vEpsilon = f64x2.splat(epsilon), vDecay = f64x2.splat(decay);
  for (let j = jStart; j < jEnd; j++) {
    const row = weights + <usize>j * inRow;
    for (let k: usize = 0; k < pairEnd; k += 16) adamLanes(row + k, gradientOffset, firstOffset, secondOffset, b1, c1, b2, c2, vStep, vCorrection, vEpsilon, vDecay);
    if (nIn & 1) adamOne(row + pairEnd, gradientOffset, firstOffset, secondOffset, beta1, beta2, stepSize, rootCorrection, epsilon, decay);
    adamOne(biases + (<usize>j << 3), gradientOffset, firstOffset, secondOffset, beta1, beta2, stepSize, rootCorrection, epsilon, 1.0);
    clipRow(row, nIn, maxNorm);
  }
}
