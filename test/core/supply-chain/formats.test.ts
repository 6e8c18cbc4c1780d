import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { scanFormat } from "../../../src/core/supply-chain/formats/scan.js";
import { bufferSource } from "../../../src/core/supply-chain/formats/byte-source.js";
import { PICKLE_LIMITS, walkPickle } from "../../../src/core/supply-chain/formats/pickle.js";
import { makeZip } from "./zip-writer.js";

const fixture = (name: string): Buffer => readFileSync(new URL(`../../fixtures/supply-chain/${name}`, import.meta.url));
const scan = (bytes: Uint8Array | string) => scanFormat(bufferSource(Buffer.from(bytes)));
const messages = (bytes: Uint8Array | string): string[] =>
  scan(bytes).unsafe.map((f) => `${f.message}${f.member ? ` in ${f.member}` : ""}`);

/** A protocol-2 pickle of `os.system("echo pwned")`, as pickle.dumps writes it. */
const MALICIOUS_PICKLE = fixture("pickle-named.safetensors");

describe("real artefacts (test/fixtures/supply-chain/make-fixtures.py)", () => {
  test.each([
    { file: "benign-state-dict.pt", format: "PyTorch zip" },
    { file: "legacy-state-dict.pt", format: "PyTorch legacy (pickles)" },
    { file: "model.safetensors", format: "safetensors" },
    { file: "floats.npy", format: "numpy .npy" },
    { file: "arrays.npz", format: "numpy .npz" },
    { file: "empty.gguf", format: "GGUF" },
    { file: "external-data.onnx", format: "ONNX" },
  ])("$file is a $format that runs no code", ({ file, format }) => {
    const result = scanFormat(bufferSource(fixture(file)));
    expect(result.format).toBe(format);
    expect(result.unsafe).toEqual([]);
  });

  test.each([
    {
      file: "malicious-second-member.pt",
      found: ["imports posix.system (not on the weights_only allowlist) in benign-state-dict/extra/payload.pkl"],
    },
    { file: "reduce-protocol4.pkl", found: ["imports posix.system (not on the weights_only allowlist)"] },
    { file: "reduce-protocol0.pkl", found: ["imports posix.system (not on the weights_only allowlist)"] },
    { file: "stack-global-memo.pkl", found: ["imports posix.system (not on the weights_only allowlist)"] },
    { file: "pickle-named.safetensors", found: ["imports posix.system (not on the weights_only allowlist)"] },
  ])("attack: $file names the import and the member it came from", ({ file, found }) => {
    expect(messages(fixture(file))).toEqual(found);
  });

  test("attack: a pickle called .safetensors is judged as a pickle", () => {
    expect(scan(MALICIOUS_PICKLE).format).toBe("pickle (protocol 2)");
  });

  test("an object array's pickle is walked and its imports named", () => {
    const found = messages(fixture("objects.npy"));
    expect(found[0]).toContain("an object array");
    expect(found[1]).toContain("numpy.ndarray");
  });

  test("ONNX: external-data locations and custom operator domains are read", () => {
    expect(scan(fixture("escaping-external-data.onnx")).externalData).toEqual(["../../secrets/key.bin"]);
    expect(scan(fixture("external-data.onnx")).notes).toEqual(["custom operator domains: com.example.ops"]);
  });
});

describe("pickles, opcode by opcode", () => {
  test.each([
    { name: "protocol 0 GLOBAL + REDUCE", bytes: "cbuiltins\neval\n(S'1'\ntR.", imports: ["builtins.eval"] },
    { name: "INST", bytes: "(S'ls'\nios\nsystem\n.", imports: ["os.system"] },
    { name: "OBJ", bytes: "(cos\nsystem\nS'ls'\no.", imports: ["os.system"] },
    { name: "Python 2 module names", bytes: "c__builtin__\nexec\n(S'1'\ntR.", imports: ["builtins.exec"] },
    { name: "a memoised import fetched with GET", bytes: "cos\nsystem\np0\n0g0\n(S'ls'\ntR.", imports: ["os.system"] },
    {
      name: "STACK_GLOBAL from LONG_BINGET",
      bytes: Buffer.concat([
        Buffer.from("\x80\x04", "latin1"),
        Buffer.from([0x8c, 2]),
        Buffer.from("os"),
        Buffer.from([0x72, 7, 0, 0, 0, 0x30, 0x6a, 7, 0, 0, 0]),
        Buffer.from([0x8c, 6]),
        Buffer.from("system"),
        Buffer.from([0x93, 0x29, 0x52, 0x2e]),
      ]),
      imports: ["os.system"],
    },
  ])("attack: $name is an import", ({ bytes, imports }) => {
    const walk = walkPickle(bufferSource(Buffer.from(bytes)));
    expect(walk.isPickle).toBe(true);
    expect(walk.disallowed).toEqual(imports);
  });

  test("the imports of a torch state dict are all on the allowlist", () => {
    const walk = walkPickle(bufferSource(fixture("legacy-state-dict.pt")), 0);
    expect(walk.problems).toEqual([]);
  });

  test.each([
    { name: "truncated before STOP", bytes: "\x80\x02]q\x00(K\x01K\x02", problem: "truncated" },
    { name: "an unknown opcode", bytes: "\x80\x02\xff.", problem: "unknown opcode 0xff" },
    { name: "a length past the end", bytes: "\x80\x04\x8d\xff\xff\xff\xff\xff\xff\xff\x0f.", problem: "truncated" },
    { name: "a memo entry never stored", bytes: "\x80\x02h\x05.", problem: "never stored" },
    { name: "STACK_GLOBAL of numbers", bytes: "\x80\x04K\x01K\x02\x93.", problem: "not a string" },
    { name: "REDUCE of a value that is no import", bytes: "\x80\x02])R.", problem: "not an import" },
    { name: "an extension-registry import", bytes: "\x80\x02\x82\x01).", problem: "copyreg extension 1" },
    { name: "STOP on an empty stack", bytes: "\x80\x02.", problem: "empty stack" },
  ])("attack: $name is not safe", ({ bytes, problem }) => {
    expect(messages(Buffer.from(bytes, "latin1")).join(" | ")).toContain(problem);
  });

  test("attack: deep nesting beyond the bound fails, it is not skipped", () => {
    const bytes = Buffer.concat([Buffer.from("\x80\x02", "latin1"), Buffer.alloc(PICKLE_LIMITS.marks + 1, 0x28)]);
    expect(messages(bytes).join()).toContain("nested MARKs");
  });

  test("attack: a memo flood beyond the bound fails", () => {
    const walk = walkPickle(bufferSource(Buffer.from("\x80\x04N" + "\x94".repeat(20) + ".", "latin1")), 0, {
      ...PICKLE_LIMITS,
      memo: 10,
    });
    expect(walk.problems.join()).toContain("memo entries");
  });

  test("attack: the second of two pickles in a row is walked", () => {
    const benign = Buffer.from("\x80\x02N.", "latin1");
    expect(messages(Buffer.concat([benign, MALICIOUS_PICKLE])).join()).toContain("posix.system");
  });

  test("attack: pickles beyond the bound of pickles in a row fail, they are not skipped", () => {
    const benign = Buffer.from("\x80\x02N.", "latin1");
    const found = messages(Buffer.concat([...Array.from({ length: 64 }, () => benign), benign])).join();
    expect(found).toContain("more than 64 pickles in a row");
  });

  test("attack: a pickle with a zip appended is still a pickle", () => {
    const polyglot = makeZip([{ name: "a.txt", data: "hi" }], { prefix: MALICIOUS_PICKLE });
    expect(messages(polyglot).join()).toContain("posix.system");
  });

  test.each([
    { name: "plain text", text: "You score card transactions.\n" },
    { name: "YAML starting with c", text: "config: 1\nname: x\n" },
    { name: "JSON", text: '{"a": [1, 2]}' },
    { name: "empty", text: "" },
  ])("$name is not a pickle", ({ text }) => {
    expect(scan(text)).toMatchObject({ format: "other", unsafe: [] });
  });

  test("a protocol Python refuses to load is no pickle (nothing runs)", () => {
    expect(scan("\x80\x09N.").format).toBe("other");
  });

  test("a protocol 0 pickle without imports is safe", () => {
    expect(scan("(lp0\nI1\naI2\na.")).toMatchObject({ format: "pickle (protocol 0)", unsafe: [] });
  });
});

describe("zips", () => {
  const benign = Buffer.from("\x80\x02}q\x00.", "latin1");

  test.each([
    {
      name: "duplicate names",
      members: [
        { name: "a/data.pkl", data: benign },
        { name: "a/data.pkl", data: MALICIOUS_PICKLE },
      ],
      problem: "appears twice",
    },
    {
      name: "Unicode forms of one name",
      members: [
        { name: "a/caf\u00e9.pkl", data: benign },
        { name: "a/cafe\u0301.pkl", data: benign },
      ],
      problem: "appears twice",
    },
    { name: "a name climbing out", members: [{ name: "../../evil.pkl", data: benign }], problem: "climbs out" },
    { name: "an absolute name", members: [{ name: "/etc/evil.pkl", data: benign }], problem: "absolute" },
    { name: "a backslash", members: [{ name: "a\\..\\evil.pkl", data: benign }], problem: "backslash" },
    {
      name: "an encrypted member",
      members: [{ name: "a/data.pkl", data: benign, flags: 0x801 }],
      problem: "encrypted",
    },
    {
      name: "bzip2 compression",
      members: [{ name: "a/data.pkl", data: benign, method: 12 }],
      problem: "compression method 12",
    },
    {
      name: "a local header naming another file",
      members: [{ name: "a/data.pkl", data: benign, localName: "a/other.pkl" }],
      problem: "names another file",
    },
    {
      name: "overlapping entries",
      members: [
        { name: "a/data.pkl", data: benign },
        { name: "b/data.pkl", data: benign, localOffsetOf: 0 },
      ],
      problem: "names another file",
    },
    {
      name: "a non-UTF-8 name",
      members: [{ name: "a/\u00e9.pkl", data: benign, flags: 0 }],
      problem: "neither UTF-8 nor ASCII",
    },
    {
      name: "a size that lies",
      members: [{ name: "a/data.pkl", data: benign, declaredSize: 3 }],
      problem: "two different sizes",
    },
  ])("attack: a zip with $name cannot be read cleanly", ({ members, problem }) => {
    const found = messages(makeZip(members)).join();
    expect(found).toContain(problem);
  });

  test("attack: data before the first member", () => {
    expect(messages(makeZip([{ name: "a.txt", data: "x" }], { prefix: Buffer.from("junk") })).join()).toContain(
      "data before the first member",
    );
  });

  test("attack: a zip bomb is refused, not inflated", () => {
    const bomb = makeZip([{ name: "a/data.pkl", data: Buffer.alloc(50 * 1024 * 1024), deflate: true }]);
    expect(bomb.length).toBeLessThan(200_000);
    expect(messages(bomb).join()).toContain("zip bomb");
  });

  test("attack: a deflated malicious member is inflated and walked", () => {
    const zip = makeZip([
      { name: "m/data.pkl", data: benign, deflate: true },
      { name: "m/code/run.pkl", data: MALICIOUS_PICKLE, deflate: true },
    ]);
    expect(messages(zip)).toEqual(["imports posix.system (not on the weights_only allowlist) in m/code/run.pkl"]);
  });

  test("attack: a pickle inside a zip inside a zip is found", () => {
    const inner = makeZip([{ name: "x/data.pkl", data: MALICIOUS_PICKLE }]);
    const outer = makeZip([{ name: "model.npz", data: inner }]);
    expect(messages(outer)).toEqual([
      "imports posix.system (not on the weights_only allowlist) in model.npz/x/data.pkl",
    ]);
  });

  test("attack: a truncated zip cannot be read cleanly", () => {
    const whole = fixture("benign-state-dict.pt");
    expect(messages(whole.subarray(0, whole.length - 10)).join()).toContain("cannot be read cleanly");
  });

  test("attack: a Keras Lambda layer runs code", () => {
    const keras = makeZip([
      { name: "metadata.json", data: "{}" },
      { name: "config.json", data: '{"class_name": "Lambda", "config": {"function": "4wEAAAA"}}' },
    ]);
    expect(messages(keras)).toEqual(["a Keras Lambda layer (Python code run when the model loads) in config.json"]);
  });

  test("an npz of object arrays carries a pickle", () => {
    const npz = makeZip([{ name: "a.npy", data: fixture("objects.npy") }]);
    expect(messages(npz).join()).toContain("an object array (dtype '|O'): its data is a pickle in a.npy");
  });
});

describe("safetensors headers", () => {
  const file = (header: object, dataBytes: number): Buffer => {
    const text = Buffer.from(JSON.stringify(header));
    const length = Buffer.alloc(8);
    length.writeBigUInt64LE(BigInt(text.length));
    return Buffer.concat([length, text, Buffer.alloc(dataBytes)]);
  };
  const f32 = (offsets: [number, number], shape = [1]) => ({ dtype: "F32", shape, data_offsets: offsets });

  test.each([
    { name: "offsets past the data", bytes: file({ a: f32([0, 400], [100]) }, 8), problem: "outside" },
    { name: "overlapping tensors", bytes: file({ a: f32([0, 4]), b: f32([0, 4]) }, 4), problem: "overlaps" },
    { name: "a gap", bytes: file({ a: f32([4, 8]) }, 8), problem: "gap" },
    { name: "bytes not covered", bytes: file({ a: f32([0, 4]) }, 12), problem: "cover 4 of the 12" },
    {
      name: "a size that does not match the shape",
      bytes: file({ a: f32([0, 8], [1]) }, 8),
      problem: "8 bytes for a F32",
    },
    {
      name: "an unknown dtype",
      bytes: file({ a: { dtype: "PY", shape: [1], data_offsets: [0, 1] } }, 1),
      problem: "unknown dtype",
    },
    { name: "metadata that is not strings", bytes: file({ __metadata__: { a: 1 } }, 0), problem: "__metadata__" },
  ])("attack: $name is not a valid safetensors file", ({ bytes, problem }) => {
    const result = scan(bytes);
    expect(result.format).toBe("safetensors");
    expect(result.unsafe.map((f) => f.message).join()).toContain(problem);
  });

  test("a header length past the file is not read as safetensors", () => {
    const bytes = Buffer.concat([Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]), Buffer.from("{}")]);
    expect(scan(bytes).format).toBe("other");
  });
});

test("a .npy with a header past the end is invalid", () => {
  const bytes = Buffer.concat([
    Buffer.from("\x93NUMPY\x01\x00", "latin1"),
    Buffer.from([0xff, 0x7f]),
    Buffer.from("{'descr'"),
  ]);
  expect(messages(bytes).join()).toContain("invalid .npy");
});

test("a GGUF file claiming more tensors than it has bytes is invalid", () => {
  const bytes = Buffer.alloc(24);
  bytes.write("GGUF", 0);
  bytes.writeUInt32LE(3, 4);
  bytes.writeBigUInt64LE(1n << 40n, 8);
  expect(messages(bytes).join()).toContain("counts");
});
