import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { ZStream, Z_BUF_ERROR, Z_NO_FLUSH, Z_OK, Z_STREAM_END, zlibInflate, zlibInflateEnd, zlibInflateInit2, zlibInflateReset } from 'pako';
import { DataFormatError } from '../errors.js';

/** Compressed bytes are read through one buffer of this size. */
const INPUT_BYTES = 1 << 16;
/** zlib's window bits with 16 added: a gzip wrapper, its CRC-32 and length checked at the end. */
const GZIP_WINDOW_BITS = 16 + 15;

/**
 * A gzip file inflated on demand into memory the caller names, like a read(): pako's port of zlib writes straight
 * there. Node's zlib hands every inflated chunk out in a new buffer, and reading MNIST through it left about 20 MB
 * of such freed chunks resident for the rest of a run; here nothing is allocated per chunk.
 */
export class GzipFile {
  private readonly strm = new ZStream();
  private readonly input = new Uint8Array(INPUT_BYTES);
  private position = 0;
  private ended = false;

  private constructor(private readonly handle: FileHandle, private readonly file: string) {
    zlibInflateInit2(this.strm, GZIP_WINDOW_BITS);
    this.strm.input = this.input;
    this.strm.avail_in = 0;
  }

  /** Opens a gzip file (open errors are thrown as they come: the caller names them). */
  static async open(file: string): Promise<GzipFile> {
    return new GzipFile(await open(file), file);
  }

  /**
   * Inflates up to `bytes` bytes into target() at `at` and says how many it wrote: fewer only where the content
   * ends, whose checksums are then checked. target is called before every inflate, for memory that may move.
   */
  async read(target: () => Uint8Array, at: number, bytes: number): Promise<number> {
    const { strm } = this;
    let written = 0;
    while (written < bytes && !this.ended) {
      if (strm.avail_in === 0 && !(await this.refill())) throw this.corrupt('unexpected end of file');
      strm.output = target() as Uint8Array<ArrayBuffer>;
      strm.next_out = at + written;
      strm.avail_out = bytes - written;
      const status = zlibInflate(strm, Z_NO_FLUSH);
      written = strm.next_out - at;
      if (status === Z_STREAM_END) await this.nextMember();
      else if (status !== Z_OK && status !== Z_BUF_ERROR) throw this.corrupt(strm.msg || `zlib status ${status}`);
    }
    return written;
  }

  async close(): Promise<void> {
    zlibInflateEnd(this.strm);
    await this.handle.close();
  }

  /** Reads the next compressed bytes into the input buffer; false at the end of the file. */
  private async refill(): Promise<boolean> {
    const { bytesRead } = await this.handle.read(this.input, 0, INPUT_BYTES, this.position);
    this.position += bytesRead;
    this.strm.input = this.input;
    this.strm.next_in = 0;
    this.strm.avail_in = bytesRead;
    return bytesRead > 0;
  }

  /** At the end of a gzip member, as Node's gunzip does: another member follows unless the rest is zero padding or nothing. */
  private async nextMember(): Promise<void> {
    const { strm } = this;
    if (strm.avail_in === 0 && !(await this.refill())) {
      this.ended = true;
      return;
    }
    if (strm.input[strm.next_in] === 0) {
      this.ended = true;
      return;
    }
    zlibInflateReset(strm);
  }

  private corrupt(why: string): DataFormatError {
    return new DataFormatError(this.file, `corrupt gzip data (${why})`);
  }
}
