import { basename } from 'node:path';
import { Command } from 'commander';
import { learningCurvesSpec } from '../plot/curves.js';
import type { RunCurves } from '../plot/curves.js';
import { writeChart } from '../plot/render-node.js';
import type { EpochMetrics } from '../train/metrics.js';
import { readMetricsFile } from './report.js';

type Config = Record<string, unknown>;

/** Labels that tell runs apart: the configuration entries whose values differ, else the file names. */
export function runLabels(files: string[], configs: (Config | undefined)[]): string[] {
  const keys = new Set(configs.flatMap((c) => Object.keys(c ?? {})));
  const differing = [...keys].filter((k) => new Set(configs.map((c) => JSON.stringify(c?.[k]))).size > 1);
  if (!differing.length) return files.map((f) => basename(f));
  return configs.map((c) => differing.map((k) => `${k} ${Array.isArray(c?.[k]) ? (c?.[k] as unknown[]).join(',') : String(c?.[k])}`).join(', '));
}

export function compareCommand(): Command {
  return new Command('compare')
    .description('overlay the learning curves of several runs (train --metrics files) on the same axes')
    .argument('<metrics...>', 'JSON Lines metrics files')
    .requiredOption('--plot <file>', 'write the figure here (.svg, or .png)')
    .action(async (files: string[], flags: { plot: string }) => {
      const runs = await Promise.all(files.map(readMetricsFile));
      const configs = runs.map((metrics) => (metrics[0] as EpochMetrics & { config?: Config }).config);
      const labels = runLabels(files, configs);
      const curves: RunCurves[] = runs.map((metrics, i) => ({ label: labels[i], metrics }));
      await writeChart(flags.plot, learningCurvesSpec(curves));
      for (const [i, metrics] of runs.entries()) {
        const last = metrics[metrics.length - 1];
        const test = last.testAccuracy ?? last.validationAccuracy;
        process.stdout.write(`${labels[i]}: ${metrics.length} epochs, final ${last.testAccuracy !== undefined ? 'test' : 'validation'} accuracy ${test !== undefined ? `${(test * 100).toFixed(2)}%` : '-'}\n`);
      }
      process.stdout.write(`wrote ${flags.plot}\n`);
    });
}
