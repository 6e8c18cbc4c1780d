import type { ByteSource } from "./byte-source.js";
import { scanFormat, type FormatScan } from "./scan.js";

/** A range of an object the scan needs and has not got yet. */
export interface NeededRange {
  offset: number;
  length: number;
}

/** Thrown by a FetchedBytes source at the first byte it does not hold; the scan that met it is discarded. */
class NotFetched extends Error {}

/**
 * The parts of a remote object fetched so far (a Git LFS object the app reads by range requests,
 * docs/supply-chain.md "Unsafe serialisation"). The scanner is synchronous and reads what it needs as
 * it goes; an edge that can only read asynchronously runs `scanFetched`, fetches the range it names,
 * and runs it again, until the scan needs nothing more. One scanning path for every edge.
 */
export class FetchedBytes {
  /** Disjoint, sorted, non-adjacent ranges. */
  private readonly ranges: Array<{ start: number; bytes: Uint8Array }> = [];

  /** Bytes handed to the scanner over every pass: the work of scanning again after each range. */
  served = 0;

  constructor(readonly size: number) {}

  /** Bytes held in all. */
  get held(): number {
    return this.ranges.reduce((sum, range) => sum + range.bytes.length, 0);
  }

  /** The fetched range ending exactly at `offset` (a sequential read going on), its length; else 0. */
  heldJustBefore(offset: number): number {
    const range = this.ranges.find((r) => r.start + r.bytes.length === offset);
    return range ? range.bytes.length : 0;
  }

  add(start: number, bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    let mergedStart = start;
    let mergedEnd = start + bytes.length;
    const touching = this.ranges.filter((r) => r.start <= mergedEnd && r.start + r.bytes.length >= mergedStart);
    for (const r of touching) {
      mergedStart = Math.min(mergedStart, r.start);
      mergedEnd = Math.max(mergedEnd, r.start + r.bytes.length);
    }
    const merged = new Uint8Array(mergedEnd - mergedStart);
    // older bytes first, the new ones over them: the same object, so they agree
    for (const r of touching) merged.set(r.bytes, r.start - mergedStart);
    merged.set(bytes, start - mergedStart);
    const kept = this.ranges.filter((r) => !touching.includes(r));
    kept.push({ start: mergedStart, bytes: merged });
    kept.sort((a, b) => a.start - b.start);
    this.ranges.splice(0, this.ranges.length, ...kept);
  }

  /** A ByteSource over what is held, which records the first range it is asked for and does not hold. */
  source(onMiss: (range: NeededRange) => void): ByteSource {
    return {
      size: this.size,
      read: (offset, length) => {
        const start = Math.max(0, offset);
        const end = Math.max(start, Math.min(this.size, offset + length));
        if (end === start) return new Uint8Array(0);
        const range = this.ranges.find((r) => r.start <= start && r.start + r.bytes.length >= end);
        if (range) {
          this.served += end - start;
          return range.bytes.subarray(start - range.start, end - range.start);
        }
        onMiss({ offset: start, length: end - start });
        throw new NotFetched(`bytes ${start}-${end - 1} are not fetched yet`);
      },
    };
  }
}

/**
 * Scans the object with the bytes fetched so far: the scan, when it read only bytes held, or the first
 * range it lacked. A pass that lacked bytes is discarded whatever it concluded (a reader that swallows
 * errors may have judged the missing bytes as malformed).
 */
export function scanFetched(fetched: FetchedBytes): { scan: FormatScan } | { need: NeededRange } {
  let need: NeededRange | undefined;
  const source = fetched.source((range) => {
    need ??= range;
  });
  let scan: FormatScan | undefined;
  try {
    scan = scanFormat(source);
  } catch (error) {
    // any error after a missing byte may come of that byte: the range is fetched and the scan run again
    if (!need && !(error instanceof NotFetched)) throw error;
  }
  if (need) return { need };
  if (!scan) throw new Error("the format scan stopped without a result or a missing range");
  return { scan };
}
