// Destinations checked before any work: a run that can only fail at its last write should fail at its first line.
import { constants } from 'node:fs';
import { mkdir, open, stat, unlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { MnistWasmError } from '../errors.js';

/** A destination that cannot be written: `mnist-wasm: FILE: what is wrong`. */
export class OutputError extends MnistWasmError {
  /** The message without the file name in front. */
  readonly detail: string;
  constructor(file: string, detail: string) {
    super('OUTPUT', detail, file);
    this.name = 'OutputError';
    this.detail = detail;
  }
}

/** "ENOSPC" and friends as words a user can act on. */
export function describeWriteError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  const words: Record<string, string> = {
    ENOSPC: 'no space left on the device',
    EDQUOT: 'disk quota exceeded',
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    EROFS: 'read-only file system',
    ENOENT: 'no such file or folder',
    ENOTDIR: 'a part of the path is a file, not a folder',
    EISDIR: 'is a directory',
  };
  return code && Object.hasOwn(words, code) ? `${words[code]} (${code})` : code ?? String((error as Error).message ?? error);
}

async function kind(path: string): Promise<'file' | 'directory' | 'other' | 'missing'> {
  try {
    const s = await stat(path);
    return s.isFile() ? 'file' : s.isDirectory() ? 'directory' : 'other';
  } catch {
    return 'missing';
  }
}

/** Creates and removes a file in `dir`: the one writability test that also sees read-only mounts and root-only folders. */
async function probeWritable(dir: string, shown: string): Promise<void> {
  const probe = join(dir, `.mnist-wasm-probe-${process.pid}-${Date.now()}`);
  try {
    const handle = await open(probe, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY);
    await handle.close();
    await unlink(probe);
  } catch (error) {
    throw new OutputError(shown, `cannot write into ${dir}: ${describeWriteError(error)}`);
  }
}

/** The folders missing above (and including) `dir`, outermost first, and the nearest one that exists. */
async function missingFolders(dir: string, shown: string): Promise<{ missing: string[]; existing: string }> {
  const missing: string[] = [];
  for (let at = dir; ; at = dirname(at)) {
    const found = await kind(at);
    if (found === 'directory') return { missing, existing: at };
    if (found !== 'missing') throw new OutputError(shown, `${at} is a file, not a folder`);
    missing.unshift(at);
    if (dirname(at) === at) throw new OutputError(shown, `no folder of ${dir} exists`);
  }
}

/**
 * mkdir -p, one level at a time: Node's recursive mkdir can loop forever on pseudo file systems (/proc), and
 * walking up also finds the file that stands where a folder should be.
 */
async function ensureDir(dir: string, shown: string): Promise<void> {
  for (const folder of (await missingFolders(dir, shown)).missing) {
    try {
      await mkdir(folder);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw new OutputError(shown, `cannot create the folder ${folder}: ${describeWriteError(error)}`);
    }
  }
  if ((await kind(dir)) !== 'directory') throw new OutputError(shown, `${dir} is not a folder`);
}

/**
 * Checks that `path` can be written as a file (creating missing folders) and returns it resolved.
 * Refuses a directory, something that is not a regular file, or a folder that cannot be written.
 */
export async function prepareOutputFile(path: string): Promise<string> {
  const full = resolve(path);
  const found = await kind(full);
  if (found === 'directory') throw new OutputError(path, 'is a directory; give a file name');
  if (found === 'other') throw new OutputError(path, 'is not a regular file');
  await ensureDir(dirname(full), path);
  await probeWritable(dirname(full), path);
  return full;
}

/** Checks that `path` is (or can be created as) a writable folder, and returns it resolved. */
export async function prepareOutputDir(path: string): Promise<string> {
  const full = resolve(path);
  const found = await kind(full);
  if (found === 'file' || found === 'other') throw new OutputError(path, 'is a file, not a folder');
  await ensureDir(full, path);
  await probeWritable(full, path);
  return full;
}

/**
 * Like prepareOutputFile, but creates nothing: the nearest existing folder above must be writable, so a run that
 * fails before its write leaves no empty folder behind. Create the folders at write time with prepareOutputFile.
 */
export async function checkOutputFile(path: string): Promise<string> {
  const full = resolve(path);
  const found = await kind(full);
  if (found === 'directory') throw new OutputError(path, 'is a directory; give a file name');
  if (found === 'other') throw new OutputError(path, 'is not a regular file');
  await probeWritable((await missingFolders(dirname(full), path)).existing, path);
  return full;
}

/** Like prepareOutputDir, but creates nothing (see checkOutputFile). */
export async function checkOutputDir(path: string): Promise<string> {
  const full = resolve(path);
  const found = await kind(full);
  if (found === 'file' || found === 'other') throw new OutputError(path, 'is a file, not a folder');
  await probeWritable((await missingFolders(full, path)).existing, path);
  return full;
}
