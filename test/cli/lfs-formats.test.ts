import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, test } from "vitest";
import { fileSource, scanLocalFile, type ReadCounter } from "../../src/cli/lfs-formats.js";
import { scanFormat } from "../../src/core/supply-chain/formats/scan.js";

const dir = mkdtempSync(join(tmpdir(), "modelgate-lfs-formats-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A zip of one pickle and 20 stored tensors of 10 MiB, the tensors left as holes of a sparse file. */
function sparsePt(path: string): number {
  const members = [{ name: "archive/data.pkl", data: Buffer.from("\x80\x02}q\x00.", "latin1") }];
  for (let i = 0; i < 20; i++) members.push({ name: `archive/data/${i}`, data: Buffer.alloc(0) });
  const tensor = 10 * 1024 * 1024;
  const parts: Buffer[] = [];
  const fd = openSync(path, "w");
  let offset = 0;
  const central: Buffer[] = [];
  for (const member of members) {
    const name = Buffer.from(member.name);
    const size = member.name.startsWith("archive/data/") ? tensor : member.data.length;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(0x800, 6);
    local.writeUInt32LE(size, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    writeSync(fd, Buffer.concat([local, name]), 0, 30 + name.length, offset);
    if (size === member.data.length) writeSync(fd, member.data, 0, size, offset + 30 + name.length);
    const entry = Buffer.alloc(46);
    entry.writeUInt32LE(0x02014b50, 0);
    entry.writeUInt16LE(0x800, 8);
    entry.writeUInt32LE(size, 20);
    entry.writeUInt32LE(size, 24);
    entry.writeUInt16LE(name.length, 28);
    entry.writeUInt32LE(offset, 42);
    central.push(entry, name);
    offset += 30 + name.length + size;
  }
  const directory = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(members.length, 8);
  end.writeUInt16LE(members.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  parts.push(directory, end);
  const tail = Buffer.concat(parts);
  writeSync(fd, tail, 0, tail.length, offset);
  closeSync(fd);
  return offset + tail.length;
}

test("a large local .pt is scanned by range: its directory, its pickle and the first bytes of each tensor", () => {
  const path = join(dir, "model.pt");
  const size = sparsePt(path);
  expect(size).toBeGreaterThan(200 * 1024 * 1024);
  const counter: ReadCounter = { bytes: 0 };
  const fd = openSync(path, "r");
  const scan = scanFormat(fileSource(fd, counter));
  closeSync(fd);
  expect(scan).toMatchObject({ format: "PyTorch zip", unsafe: [] });
  expect(counter.bytes).toBeLessThan(100 * 1024);
});

test("a local LFS object that is missing or of another size is not scanned, never safe", () => {
  expect(scanLocalFile(join(dir, "absent"))).toEqual({
    notScanned: "a Git LFS object that is not checked out here (git lfs pull fetches it)",
  });
  const path = join(dir, "short.pt");
  const fd = openSync(path, "w");
  writeSync(fd, Buffer.from("PK"));
  closeSync(fd);
  expect(scanLocalFile(path, 100)).toEqual({
    notScanned: "a Git LFS object whose local copy has 2 bytes, not the pointer's 100",
  });
});
