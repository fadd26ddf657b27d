import { readFile } from 'node:fs/promises';
import { ModelFormatError } from '../errors.js';
import { writeFileAtomic } from '../util/atomic.js';
import { parseModel, serializeModel } from './file.js';
import type { SavedModel } from './file.js';

/** Saves atomically: a crash mid-write leaves the previous file intact. */
export async function saveModel(path: string, model: SavedModel): Promise<void> {
  await writeFileAtomic(path, serializeModel(model));
}

export async function loadModel(path: string): Promise<SavedModel> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ModelFormatError(path, code === 'ENOENT' ? 'model file not found' : `cannot be read (${code ?? String(error)})`);
  }
  return parseModel(text, path);
}
