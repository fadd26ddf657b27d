import { basename } from 'node:path';
import { Command } from 'commander';
import type { RunCurves } from '../plot/curves.js';
import { chartFormat } from '../plot/chart-file.js';
import { readMetricsFile } from '../train/metrics-file.js';
import { prepareOutputFile } from '../util/output.js';

type Config = Record<string, unknown>;

/** Labels that tell runs apart: the configuration entries whose values differ, else the file names. */
export function runLabels(files: string[], configs: (Config | undefined)[]): string[] {
  const keys = new Set(configs.flatMap((c) => Object.keys(c ?? {})));
  const value = (c: Config | undefined, k: string): unknown => (c && Object.hasOwn(c, k) ? c[k] : undefined);
  const differing = [...keys].filter((k) => new Set(configs.map((c) => JSON.stringify(value(c, k)))).size > 1);
  if (!differing.length) return files.map((f) => basename(f));
  return configs.map((c) => differing.map((k) => {
    const v = value(c, k);
    return `${k} ${Array.isArray(v) ? v.join(',') : String(v)}`;
  }).join(', '));
}

export function compareCommand(): Command {
  return new Command('compare')
    .description('summarise several runs (train --metrics files) and overlay their learning curves on the same axes')
    .argument('<metrics...>', 'JSON Lines metrics files')
    .option('--plot <file>', 'also draw the curves into this file (.svg or .png)')
    .action(async (files: string[], flags: { plot?: string }) => {
      if (flags.plot) {
        chartFormat(flags.plot);
        await prepareOutputFile(flags.plot);
      }
      const runs = await Promise.all(files.map(readMetricsFile));
      const labels = runLabels(files, runs.map((run) => run.config));
      for (const [i, { metrics }] of runs.entries()) {
        const last = metrics[metrics.length - 1];
        const test = last.testAccuracy ?? last.validationAccuracy;
        process.stdout.write(`${labels[i]}: ${metrics.length} epochs, final ${last.testAccuracy !== undefined ? 'test' : 'validation'} accuracy ${test !== undefined ? `${(test * 100).toFixed(2)}%` : '-'}\n`);
      }
      if (!flags.plot) return;
      // Loaded on demand: the charting stack is only needed for the figure.
      const [{ learningCurvesSpec }, { writeChart }] = await Promise.all([import('../plot/curves.js'), import('../plot/render-node.js')]);
      const curves: RunCurves[] = runs.map(({ metrics }, i) => ({ label: labels[i], metrics }));
      await writeChart(flags.plot, learningCurvesSpec(curves));
      process.stdout.write(`wrote ${flags.plot}\n`);
    });
}
