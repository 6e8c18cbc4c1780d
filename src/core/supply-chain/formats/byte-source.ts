/**
 * Bytes the format scanner reads, by range: a buffer in memory (a git blob), or a file the edge
 * opens (a checked-out Git LFS object), read piece by piece so a 2 GB `.pt` is never read whole.
 * `read` returns fewer bytes than asked only at the end of the source.
 */
export interface ByteSource {
  readonly size: number;
  read(offset: number, length: number): Uint8Array;
}

export function bufferSource(bytes: Uint8Array): ByteSource {
  return {
    size: bytes.length,
    read: (offset, length) => bytes.subarray(Math.max(0, offset), Math.max(0, Math.min(bytes.length, offset + length))),
  };
}

/** A part of a source (a zip member stored uncompressed), itself a source. */
export function sliceSource(source: ByteSource, start: number, end: number): ByteSource {
  return {
    size: end - start,
    read: (offset, length) => source.read(start + offset, Math.max(0, Math.min(length, end - start - offset))),
  };
}

/** Thrown by the readers when the bytes end before what they announce. */
export class Truncated extends Error {}

/** The first read of a cursor is small (most non-pickle bytes stop the walk at once); each next one doubles, up to 1 MiB. */
const FIRST_CHUNK = 512;
const LAST_CHUNK = 1024 * 1024;

/** Sequential reads over a source through one buffer: a pickle is walked opcode by opcode. */
export class Cursor {
  private chunk: Uint8Array = new Uint8Array(0);
  private chunkStart = 0;
  private nextChunk = FIRST_CHUNK;
  pos: number;

  constructor(
    private readonly source: ByteSource,
    start = 0,
  ) {
    this.pos = start;
  }

  get remaining(): number {
    return this.source.size - this.pos;
  }

  private fill(at: number, length: number): void {
    this.chunk = this.source.read(at, Math.max(length, this.nextChunk));
    this.chunkStart = at;
    this.nextChunk = Math.min(LAST_CHUNK, this.nextChunk * 2);
  }

  byte(): number {
    if (this.pos >= this.source.size) throw new Truncated("the bytes end early");
    if (this.pos < this.chunkStart || this.pos >= this.chunkStart + this.chunk.length) this.fill(this.pos, 1);
    const value = this.chunk[this.pos - this.chunkStart];
    if (value === undefined) throw new Truncated("the bytes end early");
    this.pos++;
    return value;
  }

  bytes(length: number): Uint8Array {
    if (length < 0 || this.pos + length > this.source.size) throw new Truncated("the bytes end early");
    const inChunk = this.pos >= this.chunkStart && this.pos + length <= this.chunkStart + this.chunk.length;
    if (!inChunk) this.fill(this.pos, length);
    const out = this.chunk.subarray(this.pos - this.chunkStart, this.pos - this.chunkStart + length);
    if (out.length !== length) throw new Truncated("the bytes end early");
    this.pos += length;
    return out;
  }

  skip(length: number): void {
    if (length < 0 || this.pos + length > this.source.size) throw new Truncated("the bytes end early");
    this.pos += length;
  }

  /** Bytes up to a newline (excluded), at most `max`; Truncated when none comes. */
  line(max: number): Uint8Array {
    const out: number[] = [];
    for (;;) {
      const b = this.byte();
      if (b === 0x0a) return Uint8Array.from(out);
      if (out.length >= max) throw new Truncated(`a line longer than ${max} bytes`);
      out.push(b);
    }
  }

  uint(length: 1 | 2 | 4 | 8): number {
    const b = this.bytes(length);
    let value = 0;
    for (let i = length - 1; i >= 0; i--) value = value * 256 + (b[i] ?? 0);
    return value;
  }
}

/** Little-endian unsigned integer of `length` bytes at `offset` (8-byte values beyond 2^53 are rounded up: still out of range). */
export function uintAt(bytes: Uint8Array, offset: number, length: 1 | 2 | 4 | 8): number {
  let value = 0;
  for (let i = length - 1; i >= 0; i--) value = value * 256 + (bytes[offset + i] ?? 0);
  return value;
}

export function startsWith(bytes: Uint8Array, prefix: ReadonlyArray<number>): boolean {
  return prefix.every((b, i) => bytes[i] === b);
}
