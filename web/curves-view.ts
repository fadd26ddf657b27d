// The run's epochs as live curves (the Vega-Lite spec the CLI renders) and a table, in space reserved for them.
import * as vega from 'vega';
import { compile } from 'vega-lite';
import { learningCurvesSpec } from 'mnist-wasm';
import type { EpochMetrics } from 'mnist-wasm';

const chart = document.getElementById('curves') as HTMLDivElement;
const placeholder = chart.innerHTML;
const table = document.getElementById('epochs-table') as HTMLTableElement;
const rows = table.tBodies[0];
const tableBox = table.parentElement as HTMLElement;
let shown: EpochMetrics[] = [];
let view: vega.View | undefined;
/** Drawing is chained, so curves for two quick epochs never race each other into the box. */
let drawing: Promise<void> = Promise.resolve();

const percent = (v?: number): string => (v === undefined ? '-' : `${(v * 100).toFixed(2)}%`);

function addRow(m: EpochMetrics): void {
  const row = rows.insertRow();
  row.innerHTML = `<td>${m.epoch}</td><td>${percent(m.trainAccuracy)}</td><td class="validation-accuracy" data-value="${m.validationAccuracy}">${percent(m.validationAccuracy)}</td><td>${percent(m.testAccuracy)}</td><td>${m.seconds.toFixed(2)}</td>`;
  // Scroll the table's own box only (scrollIntoView would scroll the page too).
  tableBox.scrollTop = tableBox.scrollHeight;
}

async function draw(metrics: EpochMetrics[]): Promise<void> {
  // Two panels side by side, sized to the reserved box (the legend and axes take about 70 by 150 pixels).
  const width = Math.max(120, Math.floor((chart.clientWidth - 170) / 2));
  const height = Math.max(80, chart.clientHeight - 110);
  const spec = learningCurvesSpec([{ metrics }], { sets: ['train', 'validation', 'test'], width, height });
  const next = new vega.View(vega.parse(compile(spec).spec), { renderer: 'svg', hover: true });
  const holder = document.createElement('div');
  await next.initialize(holder).runAsync();
  if (metrics !== shown) {
    next.finalize(); // cleared or replaced while drawing
    return;
  }
  view?.finalize();
  view = next;
  chart.replaceChildren(holder);
}

/** One more epoch of the run on show. */
export function addEpoch(m: EpochMetrics): void {
  shown = [...shown, m];
  addRow(m);
  const metrics = shown;
  drawing = drawing.then(() => draw(metrics));
}

/** A whole history at once (a loaded model's). */
export function showHistory(metrics: EpochMetrics[]): void {
  clearCurves();
  for (const m of metrics) addEpoch(m);
}

export function clearCurves(): void {
  shown = [];
  view?.finalize();
  view = undefined;
  chart.innerHTML = placeholder;
  rows.replaceChildren();
}

