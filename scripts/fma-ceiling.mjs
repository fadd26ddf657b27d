// The multiply-add rate this machine's V8 reaches with f64x2 FMA chains held in registers and no memory access:
// the ceiling of a kernel tile with that many accumulators. Compiles a small AssemblyScript module at run time.
// Usage: node --experimental-wasm-relaxed-simd scripts/fma-ceiling.mjs [ROUNDS]
import asc from 'assemblyscript/asc';

const chains = (n) => {
  const names = Array.from({ length: n }, (_, i) => `a${i}`);
  return `export function chains${n}(iterations: i32, xs: f64, ys: f64): f64 {
  const x = f64x2.splat(xs), y = f64x2.splat(ys);
  ${names.map((a, i) => `let ${a} = f64x2.splat(${i});`).join(' ')}
  for (let i = 0; i < iterations; i++) { ${names.map((a) => `${a} = f64x2.relaxed_madd(x, y, ${a});`).join(' ')} }
  return f64x2.extract_lane(${names.reduce((s, a) => `f64x2.add(${s}, ${a})`)}, 0);
}`;
};
const COUNTS = [4, 8, 12];
const { binary, stderr } = await asc.compileString(COUNTS.map(chains).join('\n'), { optimizeLevel: 3, runtime: 'stub', enable: ['simd', 'relaxed-simd'] });
if (!binary) throw new Error(stderr.toString());
const { instance } = await WebAssembly.instantiate(binary, { env: { abort() {} } });
const ITERATIONS = 20_000_000, rounds = Number(process.argv[2] ?? 5);
const best = Object.fromEntries(COUNTS.map((n) => [n, 0]));
for (let round = 0; round < rounds; round++) {
  for (const n of COUNTS) {
    const start = process.cpuUsage();
    instance.exports[`chains${n}`](ITERATIONS, 1.0000001, 0.999999);
    const used = process.cpuUsage(start);
    best[n] = Math.max(best[n], (ITERATIONS * n) / ((used.user + used.system) / 1e6) / 1e9);
  }
}
console.table(COUNTS.map((n) => ({ accumulators: n, 'G multiply-adds/s (best of rounds, CPU time)': +best[n].toFixed(2) })));
