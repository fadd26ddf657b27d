// Inverted dropout of hidden units: masks drawn from a core generator, applied forward to what the next layer reads
// and backward to the errors. The undropped activations stay where they are, for sigma' in BP2.
import { nextUniform } from './random';

/** mask = 0 (dropped, with probability p) or 1 / (1 - p) per value, one uniform each in order; dropped = values * mask. */
export function dropoutMask(state: usize, values: usize, dropped: usize, mask: usize, count: i32, p: f64): void {
  const keep = 1.0 / (1.0 - p);
  const end = <usize>count << 3;
  for (let k: usize = 0; k < end; k += 8) {
    const scale = nextUniform(state) < p ? 0.0 : keep;
    store<f64>(mask + k, scale);
    store<f64>(dropped + k, load<f64>(values + k) * scale);
  }
}

/** values *= mask over count values (the dropped units' errors become zero, the kept ones scale as their outputs did). */
export function applyMask(values: usize, mask: usize, count: i32): void {
  const end = <usize>count << 3;
  const pairEnd = (<usize>(count & ~1)) << 3;
  for (let k: usize = 0; k < pairEnd; k += 16) v128.store(values + k, f64x2.mul(v128.load(values + k), v128.load(mask + k)));
  if (pairEnd < end) store<f64>(values + pairEnd, load<f64>(values + pairEnd) * load<f64>(mask + pairEnd));
}
