import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rename, rmdir, stat, unlink } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { fileURLToPath } from 'node:url';
import { MnistWasmError } from '../errors.js';
import { prepareOutputDir } from '../util/output.js';
import { streamContent } from './files.js';
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

const LABELS: Record<DatasetName, string> = { mnist: 'MNIST', 'fashion-mnist': 'Fashion-MNIST' };

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

/** Each file's uncompressed size (the same in both datasets): the header plus 60000x28x28, 60000, 10000x28x28, 10000 bytes. */
export const CONTENT_BYTES: Record<string, number> = {
  [IDX_FILES.trainImages]: 47_040_016,
  [IDX_FILES.trainLabels]: 60_008,
  [IDX_FILES.testImages]: 7_840_016,
  [IDX_FILES.testLabels]: 10_008,
};

/** The most a copy of a file can take on the wire: raw, or gzip's worst case (stored blocks) of its content. */
export function maxDownloadBytes(name: string): number {
  return CONTENT_BYTES[name] + (CONTENT_BYTES[name] >> 10) + 4096;
}

export class DownloadError extends MnistWasmError {
  constructor(message: string, file?: string) {
    super('DOWNLOAD', message, file);
    this.name = 'DownloadError';
  }
}

export interface DownloadEvent {
  file: string;
  mirror: string;
  status: 'present' | 'downloaded' | 'failed';
  reason?: string;
  /** After a failure: the mirror tried next, if there is one. */
  nextMirror?: string;
}

export interface DownloadOptions {
  /** Mirrors to try in order (default: MIRRORS[dataset]); http(s) and file URLs. */
  mirrors?: readonly string[];
  /** Per-request time limit. */
  timeoutMs?: number;
  onFile?(event: DownloadEvent): void;
}

/** Failures that mean the mirror was not reached at all (no network, no DNS, nobody listening). */
const UNREACHABLE = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'ECONNRESET', 'ENETUNREACH', 'EHOSTUNREACH', 'ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'TimeoutError']);

/** The outermost folder of dir that does not exist yet (what preparing dir will create), if any. */
async function firstMissingFolder(dir: string): Promise<string | undefined> {
  let missing: string | undefined;
  for (let at = resolve(dir); !(await stat(at).then(() => true, () => false)); at = dirname(at)) {
    missing = at;
    if (dirname(at) === at) break;
  }
  return missing;
}

/** Removes the folders downloadDataset created, from dir up to created, as long as they are empty. */
async function removeIfEmpty(dir: string, created: string | undefined): Promise<void> {
  if (!created) return;
  for (let folder = dir; !relative(created, folder).startsWith('..'); folder = dirname(folder)) {
    if (!(await rmdir(folder).then(() => true, () => false)) || folder === created) return;
  }
}

/** Streams url (http, https or file) into temp, refusing more than limit bytes (and more than Content-Length). */
async function fetchToFile(url: URL, temp: string, limit: number, timeoutMs: number): Promise<void> {
  let body: AsyncIterable<Uint8Array>;
  if (url.protocol === 'file:') {
    const path = fileURLToPath(url);
    const size = (await stat(path)).size;
    if (size > limit) throw new Error(`${size} bytes, more than the ${limit} a copy of this file can have`);
    body = createReadStream(path);
  } else {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
    const declared = Number(response.headers.get('content-length') ?? NaN);
    if (declared > limit) throw new Error(`Content-Length ${declared}, more than the ${limit} bytes a copy of this file can have`);
    if (declared >= 0) limit = declared;
    // The DOM typings of fetch's body lack async iteration; Node's stream of the same object has it.
    body = Readable.fromWeb(response.body as WebReadableStream<Uint8Array>);
  }
  const handle = await open(temp, 'w');
  try {
    let received = 0;
    for await (const chunk of body) {
      received += chunk.length;
      if (received > limit) throw new Error(`sent more than ${limit} bytes`);
      await handle.write(chunk);
    }
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Checks a file (gzip or raw) against its content size and hash, streaming; returns what is wrong, if anything. */
async function verifyFile(file: string, name: string, expected: string): Promise<string | undefined> {
  const hash = createHash('sha256');
  let size = 0;
  try {
    await streamContent(file, (chunk) => {
      size += chunk.length;
      if (size > CONTENT_BYTES[name]) throw new Error(`inflates past the ${CONTENT_BYTES[name].toLocaleString('en-US')} bytes of ${name}`);
      hash.update(chunk);
    });
  } catch (error) {
    const message = (error as Error).message;
    return message.startsWith(`${file}: `) ? message.slice(file.length + 2) : message;
  }
  const actual = hash.digest('hex');
  return actual === expected ? undefined : `SHA-256 mismatch (content ${actual.slice(0, 12)}..., expected ${expected.slice(0, 12)}...)`;
}

function failureReason(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? (error as NodeJS.ErrnoException).code ?? ((error as Error).name === 'TimeoutError' ? 'TimeoutError' : undefined) ?? cause?.message ?? (error as Error).message;
}

/** Fetches one file from the first mirror that gives a verified copy: streamed to a temporary file, checked, renamed. */
async function downloadFile(dataset: DatasetName, name: string, dir: string, options: DownloadOptions, mirrors: readonly string[]): Promise<void> {
  const target = join(dir, `${name}.gz`);
  const temp = join(dir, `.${name}.gz.${process.pid}.download.tmp`);
  const failures: { url: string; reason: string }[] = [];
  for (const [index, mirror] of mirrors.entries()) {
    const url = new URL(`${name}.gz`, mirror.endsWith('/') ? mirror : `${mirror}/`);
    let reason: string | undefined;
    try {
      await fetchToFile(url, temp, maxDownloadBytes(name), options.timeoutMs ?? 120_000);
      reason = await verifyFile(temp, name, CONTENT_SHA256[dataset][name]);
      if (!reason) await rename(temp, target);
    } catch (error) {
      reason = failureReason(error);
    }
    if (reason) await unlink(temp).catch(() => undefined);
    options.onFile?.({ file: target, mirror, status: reason ? 'failed' : 'downloaded', reason, nextMirror: reason ? mirrors[index + 1] : undefined });
    if (!reason) return;
    failures.push({ url: url.href, reason });
  }
  if (failures.length && failures.every((f) => UNREACHABLE.has(f.reason))) {
    throw new DownloadError(`could not reach any ${LABELS[dataset]} mirror: offline? pass --data DIR`);
  }
  const tried = failures.map((f) => `${f.url}: ${f.reason}`).join('; ');
  throw new DownloadError(`could not download a verified copy (${tried || 'no mirrors given'})`, target);
}

/** Downloads the four files into dir, verifying each; files already present and correct are kept. */
export async function downloadDataset(dataset: DatasetName, dir: string, options: DownloadOptions = {}): Promise<string[]> {
  const mirrors = options.mirrors ?? defaultMirrors(dataset);
  const created = await firstMissingFolder(dir);
  await prepareOutputDir(dir);
  const written: string[] = [];
  try {
    for (const name of Object.values(IDX_FILES)) {
      const target = join(dir, `${name}.gz`);
      const present = await stat(target).then((s) => s.isFile(), () => false);
      if (present && !(await verifyFile(target, name, CONTENT_SHA256[dataset][name]))) {
        options.onFile?.({ file: target, mirror: '', status: 'present' });
        continue;
      }
      await downloadFile(dataset, name, dir, options, mirrors);
      written.push(target);
    }
  } catch (error) {
    await removeIfEmpty(dir, created);
    throw error;
  }
  // Make the renames durable.
  const handle = await open(dir, 'r').catch(() => undefined);
  await handle?.sync().catch(() => undefined);
  await handle?.close();
  return written;
}
