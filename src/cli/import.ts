import { Command, Option } from 'commander';
import { loadOnnx, loadTfjs } from '../interop/files-node.js';
import { saveModel } from '../model/file-node.js';
import { prepareOutputFile } from '../util/output.js';
import { checkOutput } from './export.js';

interface ImportFlags {
  format?: 'tfjs' | 'onnx';
  out: string;
  force?: boolean;
}

export function importCommand(): Command {
  return new Command('import')
    .description('turn a TF.js Layers model or an ONNX file of Dense layers into a model file that trains further with --resume')
    .argument('<path>', 'TF.js model folder (or its model.json), or an .onnx file')
    .addOption(new Option('--format <format>', 'what PATH is (default: onnx for .onnx, else tfjs)').choices(['tfjs', 'onnx']))
    .requiredOption('--out <file>', 'model file to write')
    .option('--force', 'replace an existing model file')
    .action(async (path: string, flags: ImportFlags) => {
      await checkOutput(flags.out, flags.force, false);
      const format = flags.format ?? (path.endsWith('.onnx') ? 'onnx' : 'tfjs');
      const model = format === 'onnx' ? await loadOnnx(path) : await loadTfjs(path);
      await saveModel(await prepareOutputFile(flags.out), model);
      process.stdout.write(`imported [${model.spec.layers.join(', ')}] ${model.spec.activation}/${model.spec.outputActivation} (${model.parameters.length} parameters) from ${path}: ${flags.out}\n`);
    });
}
