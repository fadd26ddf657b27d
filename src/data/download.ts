import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { MnistWasmError } from '../errors.js';
import { writeFileAtomic } from '../util/atomic.js';
import { isGzip } from './idx.js';
import { IDX_FILES } from './mnist.js';
import type { DatasetName } from './mnist.js';

/** Public mirrors, tried in order; each serves the four files gzip-compressed under their standard names. */
export const MIRRORS: Record<DatasetName, readonly string[]> = {
  mnist: [
    'https://ossci-datasets.s3.amazonaws.com/mnist/',
    'https://storage.googleapis.com/cvdf-datasets/mnist/',
    'https://yann.lecun.com/exdb/mnist/',
  ],
  'fashion-mnist': [
    'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/',
    'https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/',
  ],
};

/** The mirrors to use: MNIST_WASM_MIRRORS (comma-separated URLs) when set, else the public ones. */
export function defaultMirrors(dataset: DatasetName, env: NodeJS.ProcessEnv = process.env): readonly string[] {
  const configured = env.MNIST_WASM_MIRRORS?.split(',').map((m) => m.trim()).filter(Boolean);
  return configured?.length ? configured : MIRRORS[dataset];
}

/** SHA-256 of each file's uncompressed content, so a mirror's own gzip settings do not matter. */
export const CONTENT_SHA256: Record<DatasetName, Record<string, string>> = {
  mnist: {
    [IDX_FILES.trainImages]: 'ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db',
    [IDX_FILES.trainLabels]: '65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5',
    [IDX_FILES.testImages]: '0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7',
    [IDX_FILES.testLabels]: 'ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2',
  },
  'fashion-mnist': {
    [IDX_FILES.trainImages]: 'c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888',
    [IDX_FILES.trainLabels]: 'bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9',
    [IDX_FILES.testImages]: '5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b',
    [IDX_FILES.testLabels]: '0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34',
  },
};

export class DownloadError extends MnistWasmError {
  constructor(message: string, file?: string) {
    super('DOWNLOAD', message, file);
    this.name = 'DownloadError';
  }
}

export interface DownloadOptions {
  /** Mirrors to try in order (default: MIRRORS[dataset]). */
  mirrors?: readonly string[];
  /** Per-request time limit. */
  timeoutMs?: number;
  onFile?(event: { file: string; mirror: string; status: 'present' | 'downloaded' | 'failed'; reason?: string }): void;
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Checks bytes (gzip or raw) against the expected content hash; returns the reason when they do not match. */
function verify(bytes: Uint8Array, expected: string): string | undefined {
  let content = bytes;
  if (isGzip(bytes)) {
    try {
      content = new Uint8Array(gunzipSync(bytes));
    } catch (error) {
      return `corrupt gzip data (${(error as Error).message})`;
    }
  }
  const actual = sha256(content);
  return actual === expected ? undefined : `SHA-256 mismatch (content ${actual.slice(0, 12)}..., expected ${expected.slice(0, 12)}...)`;
}

/** Downloads the four files into dir, verifying each; files already present and correct are kept. */
export async function downloadDataset(dataset: DatasetName, dir: string, options: DownloadOptions = {}): Promise<string[]> {
  const mirrors = options.mirrors ?? defaultMirrors(dataset);
  const written: string[] = [];
  await mkdir(dir, { recursive: true });
  for (const name of Object.values(IDX_FILES)) {
    const target = join(dir, `${name}.gz`);
    const expected = CONTENT_SHA256[dataset][name];
    const existing = await readFile(target).catch(() => undefined);
    if (existing && !verify(new Uint8Array(existing), expected)) {
      options.onFile?.({ file: target, mirror: '', status: 'present' });
      continue;
    }
    const failures: string[] = [];
    let done = false;
    for (const mirror of mirrors) {
      const url = new URL(`${name}.gz`, mirror.endsWith('/') ? mirror : `${mirror}/`).href;
      let reason: string | undefined;
      try {
        const response = await fetch(url, { signal: AbortSignal.timeout(options.timeoutMs ?? 120_000) });
        if (!response.ok) reason = `HTTP ${response.status}`;
        else {
          const bytes = new Uint8Array(await response.arrayBuffer());
          reason = verify(bytes, expected);
          if (!reason) {
            await writeFileAtomic(target, bytes);
            written.push(target);
            done = true;
          }
        }
      } catch (error) {
        const cause = (error as { cause?: { code?: string; message?: string } }).cause;
        reason = cause?.code ?? cause?.message ?? (error as Error).message;
      }
      options.onFile?.({ file: target, mirror, status: done ? 'downloaded' : 'failed', reason });
      if (done) break;
      failures.push(`${url}: ${reason}`);
    }
    if (!done) throw new DownloadError(`could not download a verified copy (${failures.join('; ')})`, target);
  }
  return written;
}
