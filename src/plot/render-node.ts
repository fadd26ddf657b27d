import * as vega from 'vega';
import { compile } from 'vega-lite';
import type { TopLevelSpec } from 'vega-lite';
import sharp from 'sharp';
import { writeFileAtomic } from '../util/atomic.js';
import { chartFormat } from './chart-file.js';

/** Renders a Vega-Lite spec to an SVG document, headless (no browser, no canvas). */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** SVG rasterised to PNG (sharp/librsvg) at `scale` times its size. */
export async function svgToPng(svg: string, scale = 2): Promise<Buffer> {
  return sharp(Buffer.from(svg), { density: 72 * scale }).png().toBuffer();
}

/** Writes the chart atomically, as SVG or PNG by the file's extension. */
export async function writeChart(file: string, spec: TopLevelSpec): Promise<void> {
  const format = chartFormat(file);
  const svg = await renderSvg(spec);
  await writeFileAtomic(file, format === 'png' ? await svgToPng(svg) : svg);
}
