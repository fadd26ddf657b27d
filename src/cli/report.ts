import { join } from 'node:path';
import { Command, Option } from 'commander';
import { locateAndLoad } from '../data/locate.js';
import { Network } from '../engine/network.js';
import { loadModel } from '../model/file-node.js';
import { readMetricsFile } from '../train/metrics-file.js';
import { writeFileAtomic } from '../util/atomic.js';
import { checkOutputDir, prepareOutputDir } from '../util/output.js';
import { checkNetworkFitsData } from './model-fit.js';
import { dataOption } from './options.js';

export function reportCommand(): Command {
  return new Command('report')
    .description('write a self-contained HTML report: curves, confusion matrix, precision/recall, misclassified digits')
    .requiredOption('--model <file>', 'model file written by train --save')
    .addOption(new Option('--metrics <file>', 'JSON Lines metrics (default: the metrics saved in the model)'))
    .requiredOption('--out <dir>', 'folder to write index.html into (created when missing)')
    .addOption(dataOption())
    .action(async (flags: { model: string; metrics?: string; out: string; data?: string }) => {
      // Checked first, created only to write into: a typo in --model (or missing data) leaves no empty folder.
      await checkOutputDir(flags.out);
      const model = await loadModel(flags.model);
      const metrics = flags.metrics ? (await readMetricsFile(flags.metrics)).metrics : model.metrics;
      const { dir, split } = await locateAndLoad({ data: flags.data, dataset: model.training?.dataset ?? 'mnist', log: (m) => void process.stderr.write(`${m}\n`) });
      checkNetworkFitsData(model.spec, { test: split.test }, dir, { modelFile: flags.model });
      const network = await Network.create(model.spec, { engine: 'wasm', simd: model.training?.simd ?? 'auto', parameters: model.parameters });
      // Loaded here: the report's image and chart stack costs every other command about 35 MB of memory.
      const { buildReport } = await import('../report/report.js');
      const { html, accuracy } = await buildReport({ network, test: split.test, metrics, title: `mnist-wasm report: ${flags.model}` });
      network.dispose();
      const file = join(await prepareOutputDir(flags.out), 'index.html');
      await writeFileAtomic(file, html);
      process.stdout.write(`${file}: test accuracy ${(accuracy * 100).toFixed(2)}%\n`);
    });
}
