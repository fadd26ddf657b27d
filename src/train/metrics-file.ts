import { readFile } from 'node:fs/promises';
import { DataFormatError } from '../errors.js';
import { parseEpochMetrics } from './metrics.js';
import type { EpochMetrics } from './metrics.js';

/** A metrics file's epochs and the run configuration `train --metrics` writes on each line. */
export interface MetricsFile {
  metrics: EpochMetrics[];
  config?: Record<string, unknown>;
}

/** Reads a JSON Lines metrics file (one epoch per line, as `train --metrics` writes), naming the file and line of anything malformed. */
export async function readMetricsFile(file: string): Promise<MetricsFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new DataFormatError(file, code === 'ENOENT' ? 'metrics file not found' : `cannot be read (${code})`);
  }
  if (text.includes('\u0000') || text.includes('\ufffd')) throw new DataFormatError(file, 'not a metrics file: binary data, expected JSON Lines');
  const metrics: EpochMetrics[] = [];
  let config: Record<string, unknown> | undefined;
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new DataFormatError(file, `line ${i + 1} is not JSON`);
    }
    const parsed = parseEpochMetrics(value);
    if (typeof parsed === 'string') throw new DataFormatError(file, `line ${i + 1} is not an epoch's metrics: ${parsed}`);
    const lineConfig = (value as { config?: unknown }).config;
    if (!config && typeof lineConfig === 'object' && lineConfig !== null && !Array.isArray(lineConfig)) config = lineConfig as Record<string, unknown>;
    metrics.push(parsed);
  });
  if (!metrics.length) throw new DataFormatError(file, 'no epochs in the metrics file');
  return { metrics, config };
}
