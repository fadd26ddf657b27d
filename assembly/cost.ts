// The output layer's error (BP1) and scoring, and the sum of squares of the L2 term.
import { QUADRATIC, SOFTMAX } from './constants';
import { dot } from './simd';

/** Output error (BP1), times scale: cross-entropy a - y; quadratic (a - y) * sigma'(z). */
export function outputDelta(
  output: usize,  // (m, n) activations
  targets: usize, // (m) u8 labels
  m: i32, n: i32, cost: i32, activation: i32, scale: f64,
  delta: usize,   // (m, n) out
): void {
  for (let e = 0; e < m; e++) {
    const a = output + ((<usize>e * n) << 3);
    const d = delta + ((<usize>e * n) << 3);
    const label = <i32>load<u8>(targets + e);
    // Softmax Jacobian term for the quadratic cost: sum_k (a_k - y_k) a_k.
    let dot: f64 = 0;
    if (cost == QUADRATIC && activation == SOFTMAX) {
      for (let k = 0; k < n; k++) {
        const ak = load<f64>(a + (<usize>k << 3));
        dot += (ak - (k == label ? 1.0 : 0.0)) * ak;
      }
    }
    for (let j = 0; j < n; j++) {
      const aj = load<f64>(a + (<usize>j << 3));
      const err = aj - (j == label ? 1.0 : 0.0);
      let v = err;
      if (cost == QUADRATIC) v = activation == SOFTMAX ? aj * (err - dot) : err * aj * (1.0 - aj);
      store<f64>(d + (<usize>j << 3), v * scale);
    }
  }
}

/** Adds the summed cost and the count of correct argmax predictions of m output rows to result[0], result[1]. */
export function scoreOutputs(
  output: usize,  // (m, n) activations
  targets: usize, // (m) u8 labels
  m: i32, n: i32, cost: i32, activation: i32,
  result: usize,  // (2) f64 in/out
): void {
  let total: f64 = 0;
  let correct: f64 = 0;
  // Clamp so that a saturated unit costs about 690, not Infinity (Nielsen's nan_to_num, finite).
  const tiny: f64 = 1e-300;
  for (let e = 0; e < m; e++) {
    const a = output + ((<usize>e * n) << 3);
    const label = <i32>load<u8>(targets + e);
    let best = 0;
    for (let j = 0; j < n; j++) {
      const aj = load<f64>(a + (<usize>j << 3));
      if (aj > load<f64>(a + (<usize>best << 3))) best = j;
      const y: f64 = j == label ? 1.0 : 0.0;
      if (cost == QUADRATIC) total += 0.5 * (aj - y) * (aj - y);
      else if (j == label) total -= Math.log(Math.max(aj, tiny));
      else if (activation != SOFTMAX) total -= Math.log(Math.max(1.0 - aj, tiny));
    }
    if (best == label) correct += 1;
  }
  store<f64>(result, load<f64>(result) + total);
  store<f64>(result, load<f64>(result, 8) + correct, 8);
}

/** Sum of squared values (the L2 term), f64x2 partial sums. */
export function sumSquares(values: usize, n: i32): f64 {
  return dot(values, values, n);
}

/** scoreOutputs over examples eStart..eEnd in groups of `group` from example 0 (eStart a multiple of it): group g's
 *  summed cost and correct count to partials[2g], partials[2g + 1]. The host adds the groups in order, so the
 *  totals do not depend on how threads split the examples. */
export function scoreGroups(
  output: usize,   // (m, n) activations
  targets: usize,  // (m) u8 labels
  n: i32, cost: i32, activation: i32,
  group: i32,
  partials: usize, // (2 * groups) f64 out
  eStart: i32, eEnd: i32,
): void {
  assert(group > 0 && eStart % group == 0, 'scoreGroups: slices must start at a group');
  for (let e = eStart; e < eEnd; e += group) {
    const at = partials + (<usize>(e / group) << 4);
    store<f64>(at, 0);
    store<f64>(at, 0, 8);
    scoreOutputs(output + ((<usize>e * n) << 3), targets + e, min(group, eEnd - e), n, cost, activation, at);
  }
}
