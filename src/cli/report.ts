import { mkdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Command, Option } from 'commander';
import { locateAndLoad } from '../data/locate.js';
import type { DatasetName } from '../data/mnist.js';
import { DataFormatError } from '../errors.js';
import { Network } from '../engine/network.js';
import { loadModel } from '../model/file-node.js';
import { buildReport } from '../report/report.js';
import type { EpochMetrics } from '../train/metrics.js';
import { writeFileAtomic } from '../util/atomic.js';
import { dataOption } from './options.js';

/** Reads a JSON Lines metrics file (one epoch per line), naming the file and line of anything malformed. */
export async function readMetricsFile(file: string): Promise<EpochMetrics[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new DataFormatError(file, code === 'ENOENT' ? 'metrics file not found' : `cannot be read (${code})`);
  }
  const lines = text.split('\n');
  const metrics: EpochMetrics[] = [];
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new DataFormatError(file, `line ${i + 1} is not JSON`);
    }
    if (typeof value !== 'object' || value === null || typeof (value as EpochMetrics).epoch !== 'number') {
      throw new DataFormatError(file, `line ${i + 1} is not an epoch's metrics (no "epoch" number)`);
    }
    metrics.push(value as EpochMetrics);
  });
  if (!metrics.length) throw new DataFormatError(file, 'no epochs in the metrics file');
  return metrics;
}

export function reportCommand(): Command {
  return new Command('report')
    .description('write a self-contained HTML report: curves, confusion matrix, precision/recall, misclassified digits')
    .requiredOption('--model <file>', 'model file written by train --save')
    .addOption(new Option('--metrics <file>', 'JSON Lines metrics (default: the metrics saved in the model)'))
    .requiredOption('--out <dir>', 'folder to write index.html into')
    .addOption(dataOption())
    .action(async (flags: { model: string; metrics?: string; out: string; data?: string }) => {
      const model = await loadModel(flags.model);
      const metrics = flags.metrics ? await readMetricsFile(flags.metrics) : model.metrics;
      const { split } = await locateAndLoad({ data: flags.data, dataset: (model.training?.dataset ?? 'mnist') as DatasetName, log: (m) => void process.stderr.write(`${m}\n`) });
      const network = await Network.create(model.spec, { engine: 'wasm', simd: (model.training?.simd as 'standard' | 'relaxed' | undefined) ?? 'auto', parameters: model.parameters });
      const { html, accuracy } = await buildReport({ network, test: split.test, metrics, title: `mnist-wasm report: ${flags.model}` });
      const dir = resolve(flags.out);
      await mkdir(dir, { recursive: true });
      const file = join(dir, 'index.html');
      await writeFileAtomic(file, html);
      process.stdout.write(`${file}: test accuracy ${(accuracy * 100).toFixed(2)}%\n`);
    });
}
