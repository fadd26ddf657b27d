import { ConfigError } from '../errors.js';

const PAGE = 65536;

/** Typed-array views over one byte buffer, refreshed whenever the buffer grows. */
export interface ArenaViews {
  f64: Float64Array;
  u8: Uint8Array;
  u32: Uint32Array;
}

/**
 * The one memory an engine works in, and a bump allocator over it. The wasm engine's arena is the
 * module's imported WebAssembly.Memory; the ts engine's is a plain ArrayBuffer. Pointers are byte offsets.
 */
export class Arena implements ArenaViews {
  f64!: Float64Array;
  u8!: Uint8Array;
  u32!: Uint32Array;
  private top: number;
  private readonly memory: WebAssembly.Memory | undefined;
  private plain: ArrayBuffer | undefined;
  readonly maxBytes: number;

  /** memory: a wasm memory to allocate in; base: first byte that is free (after the module's data). */
  constructor(options: { memory?: WebAssembly.Memory; base?: number; maxBytes?: number } = {}) {
    this.memory = options.memory;
    this.maxBytes = options.maxBytes ?? 2 ** 31;
    this.top = align(Math.max(options.base ?? 16, 16), 16);
    if (!this.memory) this.plain = new ArrayBuffer(Math.max(PAGE, this.top));
    this.refresh();
  }

  get buffer(): ArrayBufferLike {
    return this.memory ? this.memory.buffer : (this.plain as ArrayBuffer);
  }

  /** Bytes handed out so far (the arena's high-water mark). */
  get used(): number {
    return this.top;
  }

  /** Reserves `bytes` (16-byte aligned, zero: the arena never reuses memory, and fresh memory is zero) and returns the byte offset. */
  alloc(bytes: number): number {
    const ptr = this.top;
    const end = align(ptr + bytes, 16);
    if (end > this.maxBytes) {
      throw new ConfigError(
        `needs ${mib(end)} of engine memory but the limit is ${mib(this.maxBytes)}: use fewer examples or smaller layers`,
      );
    }
    this.ensure(end);
    this.top = end;
    // No fill: pages nobody writes (most of a 500-row chunk buffer when batches are 10) stay out of resident memory.
    return ptr;
  }

  private ensure(end: number): void {
    const have = this.buffer.byteLength;
    if (end <= have) return;
    // Grow at least by half again, so that many small allocations cost few copies.
    const want = Math.min(this.maxBytes, Math.max(end, Math.floor(have * 1.5)));
    if (this.memory) {
      try {
        this.memory.grow(Math.ceil((want - have) / PAGE));
      } catch {
        throw new ConfigError(`WebAssembly memory cannot grow to ${mib(want)}: use fewer examples or smaller layers`);
      }
    } else {
      const bigger = new ArrayBuffer(align(want, PAGE));
      new Uint8Array(bigger).set(new Uint8Array(this.plain as ArrayBuffer));
      this.plain = bigger;
    }
    this.refresh();
  }

  private refresh(): void {
    const buffer = this.buffer;
    this.f64 = new Float64Array(buffer);
    this.u8 = new Uint8Array(buffer);
    this.u32 = new Uint32Array(buffer);
  }
}

function align(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(0)} MiB`;
}
