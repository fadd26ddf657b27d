// SIMD helpers shared by the kernels: f64x2 multiply-add (fused with relaxed SIMD), horizontal sum, dot product.

// FMA when built with relaxed SIMD (asconfig target "relaxed"), mul+add otherwise.
// @ts-ignore: decorator
@inline export function madd(a: v128, b: v128, acc: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f64x2.relaxed_madd(a, b, acc);
  return f64x2.add(acc, f64x2.mul(a, b));
}

// @ts-ignore: decorator
@inline export function hsum(v: v128): f64 {
  return f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1);
}

export function dot(a: usize, b: usize, n: i32): f64 {
  let acc = f64x2.splat(0);
  const vecBytes = (<usize>(n & ~1)) << 3;
  for (let k: usize = 0; k < vecBytes; k += 16) acc = madd(v128.load(a + k), v128.load(b + k), acc);
  let s = hsum(acc);
  if (n & 1) s += load<f64>(a + vecBytes) * load<f64>(b + vecBytes);
  return s;
}
