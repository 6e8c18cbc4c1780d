import { deflateRawSync } from "node:zlib";

/** One member of a hand-made zip; the optional fields bend the format the way an attacker would. */
export interface ZipMember {
  name: string;
  data: Uint8Array | string;
  deflate?: boolean;
  /** General-purpose flags (bit 0 encrypted, bit 11 UTF-8 names). */
  flags?: number;
  method?: number;
  /** The name in the local header, when it differs from the central directory's. */
  localName?: string;
  /** Point the central directory at another member's local header (overlap). */
  localOffsetOf?: number;
  /** Declared uncompressed size, when it lies. */
  declaredSize?: number;
}

/** A zip as Python's zipfile writes it (local headers, central directory, end record), bendable for attacks. */
export function makeZip(members: ReadonlyArray<ZipMember>, options: { prefix?: Uint8Array } = {}): Buffer {
  const parts: Buffer[] = [];
  const prefix = Buffer.from(options.prefix ?? new Uint8Array());
  parts.push(prefix);
  let offset = prefix.length;
  const central: Buffer[] = [];
  const offsets: number[] = [];
  for (const member of members) {
    const raw = Buffer.from(member.data);
    const data = member.deflate ? deflateRawSync(raw) : raw;
    const method = member.method ?? (member.deflate ? 8 : 0);
    const flags = member.flags ?? 0x800;
    const name = Buffer.from(member.name, "utf8");
    const localName = Buffer.from(member.localName ?? member.name, "utf8");
    const size = member.declaredSize ?? raw.length;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(localName.length, 26);
    offsets.push(offset);
    parts.push(local, localName, data);
    const entry = Buffer.alloc(46);
    entry.writeUInt32LE(0x02014b50, 0);
    entry.writeUInt16LE(20, 4);
    entry.writeUInt16LE(20, 6);
    entry.writeUInt16LE(flags, 8);
    entry.writeUInt16LE(method, 10);
    entry.writeUInt32LE(data.length, 20);
    entry.writeUInt32LE(size, 24);
    entry.writeUInt16LE(name.length, 28);
    entry.writeUInt32LE(member.localOffsetOf !== undefined ? (offsets[member.localOffsetOf] ?? 0) : offset, 42);
    central.push(entry, name);
    offset += 30 + localName.length + data.length;
  }
  const directory = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(members.length, 8);
  end.writeUInt16LE(members.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, directory, end]);
}
