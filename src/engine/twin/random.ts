// The core's generator over a 16-byte state in the arena. Mirrors assembly/random.ts (xoshiro128**, as Random).
import type { Arena } from '../arena.js';
import type { Kernels } from '../kernels.js';

/** Next 32 random bits of the generator whose 4 u32 state words start at byte `state`. */
export function nextU32(u32: Uint32Array, state: number): number {
  const i = state >> 2;
  let s0 = u32[i], s1 = u32[i + 1], s2 = u32[i + 2], s3 = u32[i + 3];
  const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
  const t = s1 << 9;
  s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = rotl(s3, 11);
  u32[i] = s0; u32[i + 1] = s1; u32[i + 2] = s2; u32[i + 3] = s3;
  return result;
}

/** Uniform in [0, 1) with 53 random bits, high draw first. */
export function nextUniform(u32: Uint32Array, state: number): number {
  const high = nextU32(u32, state) >>> 5;
  const low = nextU32(u32, state) >>> 6;
  return (high * 67108864 + low) / 9007199254740992;
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

export function randomKernels(arena: Arena): Pick<Kernels, 'fillUniform'> {
  return {
    fillUniform(state, out, n) {
      const f = arena.f64, u32 = arena.u32;
      for (let i = 0; i < n; i++) f[(out >> 3) + i] = nextUniform(u32, state);
    },
  };
}
