// What a page that only recognises digits costs with each runtime: mnist-wasm/infer, TensorFlow.js with its wasm
// backend, and onnxruntime-web (wasm); and, for the choice infer made, the browser entry's wasm core. Each page in bench/infer-pages/ is bundled by Vite, loads the canonical
// network's export (the same float32 weights) and classifies one digit. Measured: the JS and wasm the page
// fetches (gzipped, level 9) and the time from navigation start to the first prediction in headless Chromium,
// each run in a fresh browser context (cold cache).
// Run: npm run bench:infer   (node --import tsx bench/infer-size.ts [--runs 11] [--out bench/results])
import { cp, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { build } from 'vite';
import { Network } from '../src/engine/network.js';
import { saveOnnx, saveTfjs } from '../src/interop/files-node.js';
import { CANONICAL_SPEC } from '../src/model/spec.js';
import { writeFileAtomic } from '../src/util/atomic.js';
import { launchChromium } from '../tests/browser.js';
import { REPO_ROOT } from '../tests/helpers.js';
import { serveFolder } from '../tests/serve.js';

const { values: flags } = parseArgs({ options: { runs: { type: 'string', default: '11' }, out: { type: 'string', default: 'bench/results' } } });
const RUNS = Number(flags.runs);

const CONTENDERS = [
  { name: 'mnist-wasm/infer', page: 'mnist-wasm' },
  { name: 'mnist-wasm browser entry (wasm core)', page: 'mnist-wasm-core' },
  { name: 'TensorFlow.js 4.22 + wasm backend', page: 'tfjs' },
  { name: 'onnxruntime-web 1.30 (wasm)', page: 'onnxruntime' },
] as const;

interface InferRow {
  contender: string;
  jsGzipBytes: number;
  wasmGzipBytes: number;
  totalGzipBytes: number;
  files: string[];
  /** Median time from navigation start until the page's script runs. */
  scriptStartMs: number;
  firstPredictionMs: number;
  firstPredictionMsAll: number[];
}

const work = await mkdtemp(join(tmpdir(), 'mnist-infer-size-'));
const model = join(work, 'model');
const network = await Network.create(CANONICAL_SPEC, { engine: 'ts', init: { seed: 1 } });
const saved = { spec: network.spec, layout: network.layout, parameters: network.getParameters(), metrics: [] };
await saveTfjs(join(model, 'tfjs'), saved);
await saveOnnx(join(model, 'model.onnx'), saved);

const sites: Record<string, string> = {};
for (const { page } of CONTENDERS) {
  const outDir = join(work, page);
  await build({
    configFile: false,
    root: join(REPO_ROOT, 'bench/infer-pages', page),
    logLevel: 'warn',
    resolve: { alias: { 'mnist-wasm/infer': join(REPO_ROOT, 'src/infer.ts'), 'mnist-wasm': join(REPO_ROOT, 'src/browser.ts') } },
    build: { outDir, emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 20_000 },
  });
  if (page === 'tfjs') {
    // setWasmPaths points the backend here; the page fetches the one build it picks.
    await mkdir(join(outDir, 'tfjs-wasm'));
    for (const file of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm']) {
      await cp(join(REPO_ROOT, 'node_modules/@tensorflow/tfjs-backend-wasm/dist', file), join(outDir, 'tfjs-wasm', file));
    }
  }
  sites[page] = outDir;
}

const browser = await launchChromium();
const chromium = browser.version();
const rows: InferRow[] = [];
const fetched: Record<string, Set<string>> = {};
const times: Record<string, number[]> = {};
const scriptStarts: Record<string, number[]> = {};
const urls: Record<string, string> = {};
const servers = [];
for (const { page } of CONTENDERS) {
  const site = await serveFolder(sites[page], { mounts: { 'model/': model } });
  servers.push(site.server);
  urls[page] = `${site.url}index.html`;
  fetched[page] = new Set();
  times[page] = [];
  scriptStarts[page] = [];
}

/** One cold load: a fresh context, navigation, and the page's own clock when its first prediction is done. */
async function firstPrediction(page: string): Promise<{ ms: number; scriptMs: number }> {
  const context = await browser.newContext();
  const tab = await context.newPage();
  tab.on('requestfinished', (request) => {
    const path = new URL(request.url()).pathname.slice(1);
    if (/\.(js|mjs|wasm)$/.test(path)) fetched[page].add(path);
  });
  await tab.goto(urls[page]);
  const result = await tab.waitForFunction(() => (window as unknown as { firstPrediction?: { ms: number } }).firstPrediction, undefined, { timeout: 120_000 });
  const times = (await result.jsonValue()) as { ms: number; scriptMs: number };
  await context.close();
  return times;
}

// The metric is the page's clock (performance.now() from navigation start), not a timing around a call, so this is
// a loop rather than tinybench. Rounds interleave the contenders, in a rotating order, so that the load of this
// shared machine falls on all of them alike.
for (let round = 0; round < RUNS; round++) {
  for (let k = 0; k < CONTENDERS.length; k++) {
    const { page } = CONTENDERS[(round + k) % CONTENDERS.length];
    const { ms, scriptMs } = await firstPrediction(page);
    times[page].push(ms);
    scriptStarts[page].push(scriptMs);
  }
}
await browser.close();
for (const server of servers) server.close();

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
for (const { name, page } of CONTENDERS) {
  const files = [...fetched[page]].sort();
  const gz = async (f: string): Promise<number> => gzipSync(await readFile(join(sites[page], f)), { level: 9 }).length;
  let js = 0;
  let wasm = 0;
  for (const f of files) {
    if (f.endsWith('.wasm')) wasm += await gz(f);
    else js += await gz(f);
  }
  rows.push({ contender: name, jsGzipBytes: js, wasmGzipBytes: wasm, totalGzipBytes: js + wasm, files, scriptStartMs: median(scriptStarts[page]), firstPredictionMs: median(times[page]), firstPredictionMsAll: times[page] });
}
await rm(work, { recursive: true, force: true });

const kb = (bytes: number): string => (bytes / 1024).toFixed(1);
console.log(`| runtime | JS gzip kB | wasm gzip kB | total gzip kB | script runs at ms | first prediction ms |`);
console.log('|---|---:|---:|---:|---:|---:|');
for (const r of rows) {
  console.log(`| ${r.contender} | ${kb(r.jsGzipBytes)} | ${kb(r.wasmGzipBytes)} | ${kb(r.totalGzipBytes)} | ${r.scriptStartMs.toFixed(0)} | ${r.firstPredictionMs.toFixed(0)} |`);
}
console.log(`(times: medians of ${RUNS} cold loads each, from navigation start)`);

const summary = { date: new Date().toISOString(), chromium, network: CANONICAL_SPEC.layers, runs: RUNS, results: rows };
await mkdir(flags.out, { recursive: true });
const json = `${JSON.stringify(summary, null, 2)}\n`;
await writeFileAtomic(join(flags.out, `infer-size-${summary.date.replace(/[:.]/g, '-')}.json`), json);
await writeFileAtomic(join(flags.out, 'infer-size-latest.json'), json);
console.log(`results written to ${join(flags.out, 'infer-size-latest.json')}`);
