import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { ModelFormatError } from '../errors.js';
import { writeFileAtomic } from '../util/atomic.js';
import { describeWriteError, OutputError } from '../util/output.js';
import { parseModel, serializeModel } from './file.js';
import type { SavedModel } from './file.js';

/** Saves atomically: a crash mid-write leaves the previous file intact. */
export async function saveModel(path: string, model: SavedModel): Promise<void> {
  await writeFileAtomic(path, serializeModel(model));
}

/**
 * Writes a copy of the model that could not be saved where asked into the first of `dirs` that takes it, named after
 * `path` so a user finds it; returns where, or undefined when no folder took it.
 */
export async function saveFallback(path: string, model: SavedModel, dirs: string[], text = serializeModel(model)): Promise<string | undefined> {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  for (const dir of dirs) {
    const fallback = join(dir, `${basename(path).replace(/\.json$/i, '')}.unsaved-${stamp}.json`);
    try {
      await writeFileAtomic(fallback, text);
      return fallback;
    } catch {
      // Try the next folder.
    }
  }
  return undefined;
}

/**
 * Saves to `path`; when that fails (disk full, folder removed), writes the model to a fallback (see saveFallback)
 * and throws one error naming both, so the parameters are never lost with the message.
 */
export async function saveModelOrFallback(path: string, model: SavedModel, fallbackDirs: string[]): Promise<void> {
  const text = serializeModel(model);
  try {
    await writeFileAtomic(path, text);
  } catch (error) {
    const fallback = await saveFallback(path, model, fallbackDirs, text);
    throw new OutputError(path, `could not be written: ${describeWriteError(error)}; ${fallback ? `the model is saved in ${fallback} instead` : `no copy could be written in ${fallbackDirs.join(' or ')} either`}`);
  }
}

export async function loadModel(path: string): Promise<SavedModel> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ModelFormatError(path, code === 'ENOENT' ? 'model file not found' : code === 'EISDIR' ? 'is a directory, not a model file' : `cannot be read (${code ?? String(error)})`);
  }
  return parseModel(text, path);
}
