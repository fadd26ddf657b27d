import { extname } from 'node:path';
import { OutputError } from '../util/output.js';

/** The format a chart file name asks for; anything but .svg and .png is refused (before any work, by the CLI). */
export function chartFormat(file: string): 'svg' | 'png' {
  const extension = extname(file).toLowerCase();
  if (extension === '.svg' || extension === '.png') return extension === '.svg' ? 'svg' : 'png';
  throw new OutputError(file, `charts are written as .svg or .png, not ${extension ? `"${extension}"` : 'a name without an extension'}`);
}
