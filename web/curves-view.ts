// The run's epochs as live curves (the Vega-Lite spec the CLI renders) and a table, in space reserved for them.
import * as vega from 'vega';
import { compile } from 'vega-lite';
import type { TopLevelSpec } from 'vega-lite';
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
let drawnWidth = 0;

const percent = (v?: number): string => (v === undefined ? '-' : `${(v * 100).toFixed(2)}%`);

function addRow(m: EpochMetrics): void {
  const row = rows.insertRow();
  row.innerHTML = `<td>${m.epoch}</td><td class="eta">${m.eta === undefined ? '-' : Number(m.eta.toPrecision(3))}</td><td>${percent(m.trainAccuracy)}</td><td class="validation-accuracy" data-value="${m.validationAccuracy}">${percent(m.validationAccuracy)}</td><td>${percent(m.testAccuracy)}</td><td>${m.seconds.toFixed(2)}</td>`;
  // Scroll the table's own box only (scrollIntoView would scroll the page too).
  tableBox.scrollTop = tableBox.scrollHeight;
}

async function draw(metrics: EpochMetrics[]): Promise<void> {
  // The two panels side by side in a wide box, one above the other in a tall one (a phone), sized to the box
  // reserved for them: axes, titles and the legend take about 170 by 110 pixels (90 by 210 stacked).
  const { clientWidth, clientHeight } = chart;
  const stacked = clientHeight > 0.8 * clientWidth;
  const width = Math.max(120, Math.floor(stacked ? clientWidth - 90 : (clientWidth - 170) / 2));
  const height = Math.max(80, Math.floor(stacked ? (clientHeight - 210) / 2 : clientHeight - 110));
  const sideBySide = learningCurvesSpec([{ metrics }], { sets: ['train', 'validation', 'test'], width, height });
  const { hconcat, ...common } = sideBySide as TopLevelSpec & { hconcat: unknown[] };
  const spec = (stacked ? { ...common, vconcat: hconcat } : sideBySide) as TopLevelSpec;
  drawnWidth = clientWidth;
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

// A box resized (a phone turned, a window narrowed) gets curves drawn for its new size.
new ResizeObserver(() => {
  if (!shown.length || chart.clientWidth === drawnWidth) return;
  const metrics = shown;
  drawing = drawing.then(() => draw(metrics));
}).observe(chart);

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

