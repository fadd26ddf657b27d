import sharp from 'sharp';
import { DataFormatError } from '../errors.js';
import type { GrayImage } from './preprocess.js';

/** Decodes PNG, JPEG, WebP, GIF, TIFF, AVIF or SVG to 8-bit grayscale, transparency composited onto white. */
export async function readGrayImage(file: string): Promise<GrayImage> {
  try {
    const { data, info } = await sharp(file).flatten({ background: '#ffffff' }).greyscale().raw().toBuffer({ resolveWithObject: true });
    const channels = info.channels;
    const pixels = channels === 1 ? new Uint8Array(data) : new Uint8Array(info.width * info.height).map((_, i) => data[i * channels]);
    return { width: info.width, height: info.height, pixels };
  } catch (error) {
    const message = (error as Error).message;
    if (/no such file|not exist|is missing|ENOENT/i.test(message)) throw new DataFormatError(file, 'file not found');
    if (/unsupported image format/i.test(message)) throw new DataFormatError(file, 'not an image (expected PNG, JPEG, WebP, GIF or TIFF)');
    throw new DataFormatError(file, `unreadable image (${message.split('\n')[0]})`);
  }
}
