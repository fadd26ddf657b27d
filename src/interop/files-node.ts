// Exports and imports on disk: a TF.js model folder (model.json + shards) and an .onnx file.
import { readFile } from 'node:fs/promises';
import { isAbsolute, join, normalize } from 'node:path';
import { ModelFormatError } from '../errors.js';
import type { SavedModel } from '../model/file.js';
import { writeFileAtomic } from '../util/atomic.js';
import { prepareOutputDir, prepareOutputFile } from '../util/output.js';
import { exportOnnx, importOnnx } from './onnx.js';
import type { OnnxExportOptions } from './onnx.js';
import { exportTfjs, importTfjs } from './tfjs.js';

async function readInput(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ModelFormatError(path, code === 'ENOENT' ? `${what} not found` : `cannot be read (${code ?? String(error)})`);
  }
}

/** Writes DIR/model.json and its shards; model.json goes last, so it never names a shard that is not there. */
export async function saveTfjs(dir: string, model: SavedModel): Promise<string[]> {
  const { modelJson, shards } = exportTfjs(model);
  await prepareOutputDir(dir);
  for (const shard of shards) await writeFileAtomic(join(dir, shard.path), shard.data);
  await writeFileAtomic(join(dir, 'model.json'), JSON.stringify(modelJson));
  return ['model.json', ...shards.map((s) => s.path)];
}

/** Reads a TF.js Layers model from its folder or its model.json. */
export async function loadTfjs(path: string): Promise<SavedModel> {
  const file = path.endsWith('.json') ? path : join(path, 'model.json');
  const dir = path.endsWith('.json') ? join(path, '..') : path;
  const text = (await readInput(file, 'TF.js model.json')).toString('utf8');
  return importTfjs(text, async (shard) => {
    if (isAbsolute(shard) || normalize(shard).startsWith('..')) throw new ModelFormatError(file, `weight file "${shard}" lies outside the model's folder`);
    return readInput(join(dir, shard), `weight file listed in ${file}`);
  }, file);
}

export async function saveOnnx(path: string, model: SavedModel, options: OnnxExportOptions = {}): Promise<void> {
  await writeFileAtomic(await prepareOutputFile(path), exportOnnx(model, options));
}

export async function loadOnnx(path: string): Promise<SavedModel> {
  return importOnnx(await readInput(path, 'ONNX model'), path);
}
