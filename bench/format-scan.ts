/**
 * The format scan of a 2 GB local `.pt` (docs/performance.md "Format scan"): a PyTorch zip written
 * as torch.save lays it out (`archive/data.pkl`, then 200 stored tensor members of 10 MiB), sparse
 * in a temporary folder that is deleted after. It reports the bytes the scan read and the time per GB:
 * the central directory, the pickle, and a few KiB at the start of each tensor member.
 *
 *   node --import tsx bench/format-scan.ts [--runs R]
 */
import { closeSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { fileSource, type ReadCounter } from "../src/cli/lfs-formats.js";
import { scanFormat } from "../src/core/supply-chain/formats/scan.js";
import { ProbotOctokit } from "probot";
import { readLfsFormatFacts, type LfsReadCost } from "../src/github/lfs-objects.js";
import { requestUrl } from "../test/helpers/request-recorder.js";

const { values } = parseArgs({ options: { runs: { type: "string", default: "5" } } });
const RUNS = Number(values.runs);
const TENSORS = 200;
const TENSOR_BYTES = 10 * 1024 * 1024;

/** The benign state dict's pickle, as torch.save wrote it (test/fixtures/supply-chain/make-fixtures.py). */
function dataPkl(): Buffer {
  const zip = readFileSync(new URL("../test/fixtures/supply-chain/benign-state-dict.pt", import.meta.url));
  const at = zip.indexOf("benign-state-dict/data.pkl");
  const local = at - 30;
  const size = zip.readUInt32LE(local + 18);
  const start = at + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
  return zip.subarray(start, start + size);
}

/** Writes a stored zip member by member; tensor data is left as holes (sparse) rather than written. */
function writeLargePt(path: string): number {
  const fd = openSync(path, "w");
  const central: Buffer[] = [];
  let offset = 0;
  const member = (name: string, data: Buffer | number): void => {
    const nameBytes = Buffer.from(name);
    const size = typeof data === "number" ? data : data.length;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x800, 6);
    local.writeUInt32LE(size, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    writeSync(fd, Buffer.concat([local, nameBytes]), 0, 30 + nameBytes.length, offset);
    if (typeof data !== "number") writeSync(fd, data, 0, data.length, offset + 30 + nameBytes.length);
    const entry = Buffer.alloc(46);
    entry.writeUInt32LE(0x02014b50, 0);
    entry.writeUInt16LE(20, 4);
    entry.writeUInt16LE(20, 6);
    entry.writeUInt16LE(0x800, 8);
    entry.writeUInt32LE(size, 20);
    entry.writeUInt32LE(size, 24);
    entry.writeUInt16LE(nameBytes.length, 28);
    entry.writeUInt32LE(offset, 42);
    central.push(entry, nameBytes);
    offset += 30 + nameBytes.length + size;
  };
  member("archive/data.pkl", dataPkl());
  member("archive/byteorder", Buffer.from("little"));
  for (let i = 0; i < TENSORS; i++) member(`archive/data/${i}`, TENSOR_BYTES);
  member("archive/version", Buffer.from("3\n"));
  const directory = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(TENSORS + 3, 8);
  end.writeUInt16LE(TENSORS + 3, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  writeSync(fd, Buffer.concat([directory, end]), 0, directory.length + 22, offset);
  closeSync(fd);
  return statSync(path).size;
}

const dir = mkdtempSync(join(tmpdir(), "modelgate-format-bench-"));
try {
  const path = join(dir, "model.pt");
  const size = writeLargePt(path);
  const times: number[] = [];
  let read = 0;
  let format = "";
  for (let run = 0; run < RUNS; run++) {
    const counter: ReadCounter = { bytes: 0 };
    const fd = openSync(path, "r");
    const started = performance.now();
    const scan = scanFormat(fileSource(fd, counter));
    times.push(performance.now() - started);
    closeSync(fd);
    if (scan.unsafe.length > 0) throw new Error(`the bench file should be safe: ${JSON.stringify(scan.unsafe)}`);
    read = counter.bytes;
    format = scan.format;
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)] ?? 0;
  const gb = size / 1e9;
  console.log("| file | size | members | bytes read | share read | time (median of " + RUNS + ") | time per GB |");
  console.log("|---|---:|---:|---:|---:|---:|---:|");
  console.log(
    `| ${format} | ${gb.toFixed(2)} GB | ${TENSORS + 3} | ${(read / 1024).toFixed(0)} KiB | ${((read / size) * 100).toFixed(4)} % | ${median.toFixed(1)} ms | ${(median / gb).toFixed(1)} ms |`,
  );
  console.log(`\nThe app reads the same file as a Git LFS object by range requests (docs/supply-chain.md):\n`);
  console.log(await appRangeReads(path, size));
} finally {
  rmSync(dir, { recursive: true, force: true });
}

/** The app's range reads of the file as an LFS object, served from the local file by a fake storage (no network). */
async function appRangeReads(path: string, size: number): Promise<string> {
  const fd = openSync(path, "r");
  try {
    const oid = "0".repeat(64);
    const http: typeof fetch = async (input, init) => {
      const url = requestUrl(input);
      if (url.endsWith("/objects/batch"))
        return Response.json({
          objects: [{ oid, size, actions: { download: { href: `https://storage.example/${oid}` } } }],
        });
      const match = /^bytes=(\d+)-(\d+)$/.exec(new Headers(init?.headers).get("range") ?? "");
      const start = Number(match?.[1]);
      const end = Math.min(size - 1, Number(match?.[2]));
      const bytes = Buffer.alloc(end - start + 1);
      readSync(fd, bytes, 0, bytes.length, start);
      return new Response(bytes, { status: 206, headers: { "content-range": `bytes ${start}-${end}/${size}` } });
    };
    const octokit = new ProbotOctokit({ auth: { token: "ghs_bench" }, request: { fetch: http } });
    const cost: LfsReadCost = { batchRequests: 0, rangeRequests: 0, bytes: 0 };
    const started = performance.now();
    const facts = await readLfsFormatFacts(
      octokit,
      "https://github.com/acme/models",
      [{ path: "model.pt", oid, size }],
      { cost },
    );
    const millis = performance.now() - started;
    const fact = facts.get("model.pt");
    const verdict =
      fact && "scan" in fact ? `${fact.scan.format}, ${fact.scan.unsafe.length} findings` : JSON.stringify(fact);
    return [
      "| file | verdict | batch requests | range requests | bytes read | time (local storage) |",
      "|---|---|---:|---:|---:|---:|",
      `| ${(size / 1e9).toFixed(2)} GB .pt, ${TENSORS + 3} members | ${verdict} | ${cost.batchRequests} | ${cost.rangeRequests} | ${(cost.bytes / 1024 / 1024).toFixed(1)} MiB | ${millis.toFixed(0)} ms |`,
    ].join("\n");
  } finally {
    closeSync(fd);
  }
}
