// Vega-Lite specs for learning curves: the same spec is rendered to SVG/PNG in Node and drawn live in browsers.
import type { TopLevelSpec } from 'vega-lite';
import type { EpochMetrics, MetricSet } from '../train/metrics.js';

/** One run's per-epoch metrics and the label its series carry. */
export interface RunCurves {
  label?: string;
  metrics: EpochMetrics[];
}

export interface CurvesOptions {
  /** Which sets to draw (default: training and test, falling back to validation when test was not measured). */
  sets?: MetricSet[];
  title?: string;
  width?: number;
  height?: number;
}

const SET_NAMES: Record<MetricSet, string> = { train: 'training', validation: 'validation', test: 'test' };

/** Long-form rows: one per (run, set, epoch) with cost and accuracy, the shape Vega-Lite wants. */
export function curveRows(runs: RunCurves[], sets?: MetricSet[]): { epoch: number; series: string; cost: number | null; accuracy: number | null }[] {
  const rows: { epoch: number; series: string; cost: number | null; accuracy: number | null }[] = [];
  for (const run of runs) {
    const measured = (set: MetricSet): boolean => run.metrics.some((m) => m[`${set}Accuracy`] !== undefined);
    const chosen = sets ?? (['train', measured('test') ? 'test' : 'validation'] as MetricSet[]);
    for (const set of chosen.filter(measured)) {
      const series = run.label ? `${run.label}: ${SET_NAMES[set]}` : SET_NAMES[set];
      for (const m of run.metrics) {
        rows.push({ epoch: m.epoch, series, cost: m[`${set}Cost`] ?? null, accuracy: m[`${set}Accuracy`] ?? null });
      }
    }
  }
  return rows;
}

/** Two panels side by side, "Cost" and "Accuracy", one line per run and set, against the epoch. */
export function learningCurvesSpec(runs: RunCurves[], options: CurvesOptions = {}): TopLevelSpec {
  const width = options.width ?? 360;
  const height = options.height ?? 260;
  const panel = (field: 'cost' | 'accuracy', title: string) => ({
    title,
    width,
    height,
    mark: { type: 'line' as const, point: true, strokeWidth: 1.5 },
    encoding: {
      x: { field: 'epoch', type: 'quantitative' as const, title: 'Epoch', axis: { tickMinStep: 1, format: 'd' } },
      y: {
        field,
        type: 'quantitative' as const,
        title: field === 'cost' ? 'Cost' : 'Accuracy',
        scale: { zero: false },
        ...(field === 'accuracy' ? { axis: { format: '.1%' } } : {}),
      },
      color: { field: 'series', type: 'nominal' as const, title: null, legend: { orient: 'bottom' as const, columns: 2 } },
    },
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    ...(options.title ? { title: options.title } : {}),
    data: { values: curveRows(runs, options.sets) },
    hconcat: [panel('cost', 'Cost'), panel('accuracy', 'Accuracy')],
    config: { font: 'DejaVu Sans, Helvetica, Arial, sans-serif', view: { stroke: '#ddd' } },
  };
}
