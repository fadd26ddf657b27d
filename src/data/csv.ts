import { DataFormatError } from '../errors.js';
import type { Dataset } from './dataset.js';

/**
 * Parses the common `label,p0,...,p783` CSV layout (pixels 0-255), with or without a header line.
 * A first line whose first field is not a number is taken as the header.
 */
export function parseCsv(text: string, file: string, options: { inputSize?: number; classes?: number } = {}): Dataset {
  const classes = options.classes ?? 10;
  const lines = text.split(/\r?\n/);
  let first = 0;
  if (lines.length > 0 && !/^\s*\d/.test(lines[0])) first = 1;
  const rows: string[] = [];
  const lineNumbers: number[] = [];
  for (let i = first; i < lines.length; i++) {
    if (lines[i].trim() === '') continue;
    rows.push(lines[i]);
    lineNumbers.push(i + 1);
  }
  if (rows.length === 0) throw new DataFormatError(file, 'no data rows in the CSV file');
  const inputSize = options.inputSize ?? rows[0].split(',').length - 1;
  if (inputSize < 1) throw new DataFormatError(file, `line ${lineNumbers[0]}: expected a label and pixel values`);
  const images = new Uint8Array(rows.length * inputSize);
  const labels = new Uint8Array(rows.length);
  for (let r = 0; r < rows.length; r++) {
    const fields = rows[r].split(',');
    if (fields.length !== inputSize + 1) {
      throw new DataFormatError(file, `line ${lineNumbers[r]}: ${fields.length} fields, expected ${inputSize + 1} (label and ${inputSize} pixels)`);
    }
    for (let f = 0; f <= inputSize; f++) {
      const text = fields[f].trim();
      const value = Number(text);
      const max = f === 0 ? classes - 1 : 255;
      if (text === '' || !Number.isInteger(value) || value < 0 || value > max) {
        const what = f === 0 ? `label ${JSON.stringify(text)} is not a class 0-${max}` : `pixel ${f - 1} value ${JSON.stringify(text)} is not an integer 0-255`;
        throw new DataFormatError(file, `line ${lineNumbers[r]}: ${what}`);
      }
      if (f === 0) labels[r] = value;
      else images[r * inputSize + f - 1] = value;
    }
  }
  return { images, labels, count: rows.length, inputSize, source: file };
}
