// Per-kernel times (bench/kernels.ts) of two built trees, interleaved rounds in one process: before and after.
// node --experimental-wasm-relaxed-simd scripts/kernel-ab.mjs BEFORE_DIR AFTER_DIR [ROUNDS] (each dir built: dist/ and build/).
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [a, b] = process.argv.slice(2, 4).map((dir) => pathToFileURL(resolve(dir)).href);
const roundsArg = process.argv[4];
const rounds = Number(roundsArg ?? 3);
const trees = [];
for (const dir of [a, b]) trees.push({ dir, kernelTimes: (await import(`${dir}/dist/bench/kernels.js`)).kernelTimes });
const { loadMnist } = await import(`${b}/dist/data/mnist.js`);
const split = await loadMnist(process.env.MNIST_DIR ?? new URL('../../shared/data/mnist', import.meta.url).pathname, {});
const order = Uint32Array.from({ length: 50000 }, (_, i) => i);
const all = trees.map(() => new Map());
for (let r = 0; r < rounds; r++) {
  for (const [i, t] of trees.entries()) {
    for (const k of await t.kernelTimes(split, order, 2000, 10)) {
      const m = all[i];
      m.set(k.kernel, [...(m.get(k.kernel) ?? []), [k.trainUs, k.evalUs]]);
    }
  }
}
const med = (xs) => xs.slice().sort((x, y) => x - y)[xs.length >> 1];
const names = [...new Set([...all[0].keys(), ...all[1].keys()])];
console.log(`| kernel | before: training us/batch | after | before: evaluation us/10 images | after |`);
console.log('|---|---:|---:|---:|---:|');
const tot = [[0, 0], [0, 0]];
for (const n of names) {
  const v = all.map((m) => m.get(n) ? [med(m.get(n).map((x) => x[0])), med(m.get(n).map((x) => x[1]))] : [0, 0]);
  if (v.every(([t, e]) => t === 0 && e === 0)) continue;
  v.forEach(([t, e], i) => { tot[i][0] += t; tot[i][1] += e; });
  console.log(`| \`${n}\` | ${v[0][0].toFixed(1)} | ${v[1][0].toFixed(1)} | ${v[0][1].toFixed(1)} | ${v[1][1].toFixed(1)} |`);
}
console.log(`| all kernels | ${tot[0][0].toFixed(1)} | ${tot[1][0].toFixed(1)} | ${tot[0][1].toFixed(1)} | ${tot[1][1].toFixed(1)} |`);
console.log(`(medians of ${rounds} interleaved rounds; load average ${(await import('node:os')).loadavg().map((x) => x.toFixed(1)).join(' ')})`);
