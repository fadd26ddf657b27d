// The core's random draws (dropout masks, distortions): xoshiro128** over a 16-byte state (4 u32) in memory, the
// generator of src/util/random.ts, so the core, its twin and the host draw the same numbers to the bit.

/** Next 32 random bits; advances the state at `state`. */
// @ts-ignore: decorator
@inline export function nextU32(state: usize): u32 {
  let s0 = load<u32>(state), s1 = load<u32>(state, 4), s2 = load<u32>(state, 8), s3 = load<u32>(state, 12);
  const result = rotl<u32>(s1 * 5, 7) * 9;
  const t = s1 << 9;
  s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = rotl<u32>(s3, 11);
  store<u32>(state, s0); store<u32>(state, s1, 4); store<u32>(state, s2, 8); store<u32>(state, s3, 12);
  return result;
}

/** Uniform in [0, 1) with 53 random bits (two draws, high first), as Random.uniform. */
// @ts-ignore: decorator
@inline export function nextUniform(state: usize): f64 {
  const high = nextU32(state) >>> 5;
  const low = nextU32(state) >>> 6;
  return (<f64>high * 67108864.0 + <f64>low) / 9007199254740992.0;
}

/** out[0..n) = n uniforms in [0, 1) from the generator at `state` (for tests, and the host's own draws). */
export function fillUniform(state: usize, out: usize, n: i32): void {
  for (let i = 0; i < n; i++) store<f64>(out + (<usize>i << 3), nextUniform(state));
}
