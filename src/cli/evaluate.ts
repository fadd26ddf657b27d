import { Command } from 'commander';
import { locateAndLoad } from '../data/locate.js';
import { Network } from '../engine/network.js';
import type { EngineName } from '../engine/network.js';
import type { SimdChoice } from '../engine/wasm.js';
import { loadModel } from '../model/file-node.js';
import { checkNetworkFitsData } from './model-fit.js';
import { dataOption, engineOption, simdOption } from './options.js';

interface EvaluateFlags {
  model: string;
  data?: string;
  engine: EngineName;
  simd: SimdChoice;
  json?: boolean;
}

export function evaluateCommand(): Command {
  return new Command('evaluate')
    .description("measure a saved model's cost and accuracy on the validation and test sets")
    .requiredOption('--model <file>', 'model file written by train --save')
    .addOption(dataOption())
    .addOption(engineOption())
    .addOption(simdOption())
    .option('--json', 'print a machine-readable summary as the last line of stdout')
    .action(async (flags: EvaluateFlags, cmd: Command) => {
      const model = await loadModel(flags.model);
      const saved = model.training;
      // By default use the engine and build that trained the model, so its numbers reproduce to the last digit.
      const engine = cmd.getOptionValueSource('engine') === 'default' && saved ? saved.engine : flags.engine;
      const simd = cmd.getOptionValueSource('simd') === 'default' && saved?.simd ? saved.simd : flags.simd;
      const { dir, split } = await locateAndLoad({ data: flags.data, dataset: saved?.dataset ?? 'mnist', log: (m) => void process.stderr.write(`${m}\n`) });
      checkNetworkFitsData(model.spec, { validation: split.validation, test: split.test }, dir, { modelFile: flags.model });
      const network = await Network.create(model.spec, { engine, simd, parameters: model.parameters });
      const penalty = saved ? network.l2Penalty(saved.lambda, saved.trainSize) : 0;
      const validation = network.evaluate(network.upload(split.validation));
      const test = network.evaluate(network.upload(split.test));
      network.dispose();
      const summary = {
        command: 'evaluate',
        model: flags.model,
        engine,
        simd: network.simd ?? null,
        validationCost: validation.cost + penalty,
        validationAccuracy: validation.accuracy,
        testCost: test.cost + penalty,
        testAccuracy: test.accuracy,
        testCorrect: test.correct,
      };
      process.stdout.write(`validation: cost ${summary.validationCost.toFixed(4)}, accuracy ${(validation.accuracy * 100).toFixed(2)}% (${validation.correct}/${validation.count})\n`);
      process.stdout.write(`test:       cost ${summary.testCost.toFixed(4)}, accuracy ${(test.accuracy * 100).toFixed(2)}% (${test.correct}/${test.count})\n`);
      if (flags.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
    });
}
