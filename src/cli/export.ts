import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { ConfigError } from '../errors.js';
import { saveOnnx, saveTfjs } from '../interop/files-node.js';
import { loadModel } from '../model/file-node.js';
import { checkOutputDir, checkOutputFile } from '../util/output.js';

interface ExportFlags {
  model: string;
  format: 'tfjs' | 'onnx';
  out: string;
  dtype: 'float32' | 'float64';
  force?: boolean;
}

/**
 * Refuses a destination that cannot be written, or an earlier export unless --force, before any work starts;
 * creates nothing (the folders are made when the result is written).
 */
export async function checkOutput(path: string, force: boolean | undefined, expectDir: boolean): Promise<void> {
  await (expectDir ? checkOutputDir(path) : checkOutputFile(path));
  const info = await stat(path).catch(() => undefined);
  if (!info) return;
  if (expectDir && !(await stat(join(path, 'model.json')).catch(() => undefined))) return;
  if (!force) throw new ConfigError(`${expectDir ? join(path, 'model.json') : path}: already exists (pass --force to replace it)`);
}

export function exportCommand(): Command {
  return new Command('export')
    .description('write a saved model as a TensorFlow.js Layers model (folder) or an ONNX file')
    .requiredOption('--model <file>', 'model file written by train --save')
    .addOption(new Option('--format <format>', 'tfjs: model.json + .bin shards in --out; onnx: one .onnx file').choices(['tfjs', 'onnx']).makeOptionMandatory())
    .requiredOption('--out <path>', 'folder (tfjs) or file (onnx) to write')
    .addOption(new Option('--dtype <type>', 'ONNX weights and inputs (TF.js is always float32)').choices(['float32', 'float64']).default('float32'))
    .option('--force', 'replace an earlier export')
    .action(async (flags: ExportFlags) => {
      if (flags.format === 'tfjs' && flags.dtype !== 'float32') throw new ConfigError('--dtype float64: TensorFlow.js has no float64 weights; use --format onnx');
      await checkOutput(flags.out, flags.force, flags.format === 'tfjs');
      const model = await loadModel(flags.model);
      const what = `[${model.spec.layers.join(', ')}] ${model.spec.activation}/${model.spec.outputActivation}`;
      if (flags.format === 'tfjs') {
        const files = await saveTfjs(flags.out, model);
        process.stdout.write(`exported ${what} as a TF.js Layers model (float32): ${files.map((f) => join(flags.out, f)).join(', ')}\n`);
      } else {
        await saveOnnx(flags.out, model, { dtype: flags.dtype });
        process.stdout.write(`exported ${what} as ONNX (opset 13, ${flags.dtype}): ${flags.out}\n`);
      }
    });
}
