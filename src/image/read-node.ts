import { DataFormatError } from '../errors.js';
import type { GrayImage } from './preprocess.js';

/** Images declaring more pixels than this are refused before decoding (an image bomb is a few bytes that claim gigapixels). */
export const DEFAULT_MAX_PIXELS = 50_000_000;
/** Larger images are scaled down to this many pixels while decoding: digits need far less, and memory stays bounded. */
export const WORKING_PIXELS = 4_000_000;

export interface ReadImageOptions {
  /** Refuse images with more pixels than this (default 50 MP). */
  maxPixels?: number;
}

/** Decodes PNG, JPEG, WebP, GIF, TIFF, AVIF or SVG to 8-bit grayscale, upright, transparency composited onto white. */
export async function readGrayImage(file: string, options: ReadImageOptions = {}): Promise<GrayImage> {
  // Loaded when an image is read: sharp costs every other command about 30 MB of memory.
  const { default: sharp } = await import('sharp');
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  try {
    const meta = await sharp(file, { limitInputPixels: false }).metadata();
    const declared = (meta.width ?? 0) * (meta.height ?? 0);
    if (declared > maxPixels) {
      throw new DataFormatError(file, `${meta.width}x${meta.height} is ${declared.toLocaleString('en-US')} pixels, more than the limit of ${maxPixels.toLocaleString('en-US')} (--max-pixels raises it)`);
    }
    const scale = Math.min(1, Math.sqrt(WORKING_PIXELS / Math.max(1, declared)));
    const sideways = (meta.orientation ?? 1) >= 5;
    const width = Math.max(1, Math.floor((sideways ? meta.height ?? 1 : meta.width ?? 1) * scale));
    const height = Math.max(1, Math.floor((sideways ? meta.width ?? 1 : meta.height ?? 1) * scale));
    let pipeline = sharp(file, { limitInputPixels: maxPixels, sequentialRead: true }).rotate().flatten({ background: '#ffffff' });
    if (scale < 1) pipeline = pipeline.resize({ width, height, fit: 'inside' });
    const { data, info } = await pipeline.greyscale().extractChannel(0).raw().toBuffer({ resolveWithObject: true });
    return { width: info.width, height: info.height, pixels: new Uint8Array(data.buffer, data.byteOffset, info.width * info.height) };
  } catch (error) {
    if (error instanceof DataFormatError) throw error;
    const message = (error as Error).message;
    if (/no such file|not exist|is missing|ENOENT/i.test(message)) throw new DataFormatError(file, 'file not found');
    if (/unsupported image format/i.test(message)) throw new DataFormatError(file, 'not an image (expected PNG, JPEG, WebP, GIF or TIFF)');
    throw new DataFormatError(file, `unreadable image (${message.split('\n')[0]})`);
  }
}
