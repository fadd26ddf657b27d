import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findDataDir } from '../src/data/locate.js';
import { Network } from '../src/engine/network.js';
import type { EngineName } from '../src/engine/network.js';
import type { SimdBuild } from '../src/engine/wasm.js';
import type { NetworkSpec } from '../src/model/spec.js';

/** A whole test file may take this long; then it stops with one line instead of hanging. */
const FILE_TIMEOUT_MS = 20 * 60_000;
setTimeout(() => {
  process.stderr.write(`${basename(process.argv[1] ?? 'test file')}: still running after ${FILE_TIMEOUT_MS / 60_000} minutes, stopped\n`);
  process.exit(1);
}, FILE_TIMEOUT_MS).unref();

/** Real MNIST, found by the CLI's own rule (MNIST_DIR, data/mnist, ../shared/data/mnist); `npm test` downloads it first when absent. */
const found = findDataDir('mnist');
if (!found) {
  process.stderr.write('tests need MNIST: run `npm test` (its pretest downloads it into data/mnist) or set MNIST_DIR to a folder with the four files\n');
  process.exit(1);
}
export const MNIST_DIR: string = found;

export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Every engine and wasm build this runtime can run: ts, wasm standard, and wasm relaxed when validated. */
export async function engineVariants(): Promise<{ label: string; engine: EngineName; simd?: SimdBuild }[]> {
  const variants: { label: string; engine: EngineName; simd?: SimdBuild }[] = [
    { label: 'ts', engine: 'ts' },
    { label: 'wasm standard SIMD', engine: 'wasm', simd: 'standard' },
  ];
  const probe = await Network.create({ layers: [2, 2] }, { engine: 'wasm', simd: 'auto' });
  if (probe.simd === 'relaxed') variants.push({ label: 'wasm relaxed SIMD', engine: 'wasm', simd: 'relaxed' });
  return variants;
}

/** Random bytes and labels, deterministic. */
export function syntheticData(count: number, inputSize: number, classes: number, seed = 7): { images: Uint8Array; labels: Uint8Array; count: number; inputSize: number } {
  let x = seed >>> 0;
  const next = (): number => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x >>> 24;
  };
  const images = new Uint8Array(count * inputSize).map(() => next());
  const labels = new Uint8Array(count).map(() => next() % classes);
  return { images, labels, count, inputSize };
}

export function spec(layers: number[], rest: Partial<NetworkSpec> = {}): NetworkSpec {
  return { layers, activation: 'sigmoid', outputActivation: 'sigmoid', cost: 'cross-entropy', ...rest };
}

export function maxAbsDiff(a: Float64Array, b: Float64Array): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

/** An IDX file's bytes: big-endian magic (0x0803 images / 0x0801 labels style: 0, 0, 8, rank) and sizes, then data. */
export function idxBytes(dims: number[], data: Uint8Array): Uint8Array {
  const header = new Uint8Array(4 + 4 * dims.length);
  const view = new DataView(header.buffer);
  view.setUint32(0, 0x0800 + dims.length, false);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  const out = new Uint8Array(header.length + data.length);
  out.set(header);
  out.set(data, header.length);
  return out;
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Where runCli runs by default: a fresh folder per test file, so that a default output (models/...) never lands in the checkout. */
let cliScratch: string | undefined;
function defaultCliCwd(): string {
  if (!cliScratch) {
    const dir = mkdtempSync(join(tmpdir(), 'mnist-cli-cwd-'));
    process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
    cliScratch = dir;
  }
  return cliScratch;
}

/** Runs the built CLI (dist/cli.js, made by `npm run build`) as a user would, by default in a temporary folder. */
export async function runCli(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; nodeArgs?: string[] } = {}): Promise<CliResult> {
  const { spawn } = await import('node:child_process');
  const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...(options.nodeArgs ?? []), cli, ...args], { cwd: options.cwd ?? defaultCliCwd(), env: options.env ?? process.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The last stdout line parsed as JSON (the --json summary). */
export function lastJson<T = Record<string, unknown>>(stdout: string): T {
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]) as T;
}
