import { Cursor, Truncated, type ByteSource } from "./byte-source.js";
import { pythonImportName, WEIGHTS_ONLY_ALLOWLIST } from "./allowlist.js";

/**
 * A pickle walked opcode by opcode (docs/supply-chain.md "Unsafe serialisation"): nothing is ever
 * built or imported. The walker keeps a symbolic stack and memo — strings and imports, everything
 * else a placeholder — just enough to name what STACK_GLOBAL imports from memoised strings and what
 * REDUCE, NEWOBJ, OBJ and INST call.
 */
export interface PickleWalk {
  /** Whether these bytes are a pickle: they start with PROTO, reach STOP, or import something before failing. */
  isPickle: boolean;
  /** Every import, in order (duplicates kept once): `module.name` as Python 3 resolves it. */
  imports: string[];
  /** Imports not on the `weights_only` allowlist. */
  disallowed: string[];
  /** Why the pickle is not safe besides its imports: an unknown opcode, a truncation, a call of something not imported. */
  problems: string[];
  /** Where the pickle ended (after STOP), or where the walk stopped. */
  end: number;
  protocol: number;
}

/** Bounds of the walk on hostile input: beyond any of them the pickle is not safe ("too large to walk"). */
export const PICKLE_LIMITS = {
  /** Stack items (all marks together). */
  stack: 1_000_000,
  /** Nested MARKs. */
  marks: 100_000,
  /** Memo entries kept. */
  memo: 1_000_000,
  /** Opcodes of one pickle. */
  opcodes: 50_000_000,
  /** A text argument (GLOBAL, INT, GET...) of one line. */
  line: 64 * 1024,
  /** Longest string kept as a value (a module or attribute name is far shorter). */
  keptString: 4096,
};

type Value =
  | { t: "str"; v: string }
  | { t: "global"; name: string; allowed: boolean }
  /** Anything else: a number, a container, the result of a call. */
  | { t: "other" };

const OTHER: Value = { t: "other" };
/** EXT1, EXT2, EXT4: the size of their extension code. */
const EXT_ARGUMENT_BYTES: Readonly<Record<number, 1 | 2 | 4>> = { 0x82: 1, 0x83: 2, 0x84: 4 };
const IDENTIFIER_PATH = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

class WalkError extends Error {}

const latin1 = new TextDecoder("latin1");
const utf8 = new TextDecoder("utf-8");

/** Walks one pickle starting at `start` of `source` (several in a row: call again from `end`). */
export function walkPickle(source: ByteSource, start = 0, limits = PICKLE_LIMITS): PickleWalk {
  const cursor = new Cursor(source, start);
  const imports = new Set<string>();
  const disallowed = new Set<string>();
  const problems: string[] = [];
  let stack: Value[] = [];
  const metastack: Value[][] = [];
  let items = 0;
  const memo = new Map<number, Value>();
  let protocol = 0;
  let startsWithProto = false;
  let reachedStop = false;

  const push = (value: Value): void => {
    if (++items > limits.stack) throw new WalkError(`more than ${limits.stack} stack items: too large to walk`);
    stack.push(value);
  };
  const pop = (): Value => {
    const value = stack.pop();
    if (value === undefined) throw new WalkError("pops an empty stack (malformed)");
    items--;
    return value;
  };
  const top = (): Value => {
    const value = stack[stack.length - 1];
    if (value === undefined) throw new WalkError("uses an empty stack (malformed)");
    return value;
  };
  const popMark = (): Value[] => {
    const popped = stack;
    const previous = metastack.pop();
    if (previous === undefined) throw new WalkError("pops a MARK that was never set (malformed)");
    stack = previous;
    items -= popped.length;
    return popped;
  };
  const importOf = (module: string, name: string): Value => {
    const full = pythonImportName(module, name);
    imports.add(full);
    const allowed = WEIGHTS_ONLY_ALLOWLIST.has(full);
    if (!allowed) disallowed.add(full);
    return { t: "global", name: full, allowed };
  };
  const called = (callable: Value | undefined, opcode: string): void => {
    if (callable?.t === "global") return; // its import was judged when it was made
    problems.push(`${opcode} calls a value that is not an import modelgate can name`);
  };
  const textLine = (): string => latin1.decode(cursor.line(limits.line));
  const globalNames = (): [string, string] => {
    const module = utf8.decode(cursor.line(limits.line));
    const name = utf8.decode(cursor.line(limits.line));
    // an import of something no module can be called is no import: these bytes are not a pickle (a text file)
    if (!startsWithProto && (!IDENTIFIER_PATH.test(module) || !IDENTIFIER_PATH.test(name)))
      throw new WalkError("GLOBAL of names that are not Python identifiers");
    return [module, name];
  };
  const keptString = (length: number, decoder: { decode(bytes: Uint8Array): string }): Value => {
    if (length < 0) throw new WalkError("a negative length (malformed)");
    if (length > limits.keptString) {
      cursor.skip(length);
      return OTHER;
    }
    return { t: "str", v: decoder.decode(cursor.bytes(length)) };
  };
  const memoGet = (index: number): void => {
    const value = memo.get(index);
    if (value === undefined) throw new WalkError(`reads memo entry ${index}, never stored (malformed)`);
    push(value);
  };
  const memoPut = (index: number): void => {
    if (memo.size >= limits.memo && !memo.has(index))
      throw new WalkError(`more than ${limits.memo} memo entries: too large to walk`);
    memo.set(index, top());
  };

  let opcodes = 0;
  try {
    for (;;) {
      if (++opcodes > limits.opcodes) throw new WalkError(`more than ${limits.opcodes} opcodes: too large to walk`);
      const at = cursor.pos;
      const op = cursor.byte();
      switch (op) {
        case 0x80: {
          // PROTO
          protocol = cursor.byte();
          if (at === start) startsWithProto = protocol <= 5;
          if (protocol > 5) throw new WalkError(`unsupported protocol ${protocol}`);
          break;
        }
        case 0x95: // FRAME: framing only
          cursor.skip(8);
          break;
        case 0x2e: // STOP
          pop();
          reachedStop = true;
          return result();
        case 0x28: // MARK
          if (metastack.length >= limits.marks) throw new WalkError(`more than ${limits.marks} nested MARKs`);
          metastack.push(stack);
          stack = [];
          break;
        case 0x30: // POP
          if (stack.length > 0) pop();
          else popMark();
          break;
        case 0x31: // POP_MARK
          popMark();
          break;
        case 0x32: // DUP
          push(top());
          break;
        case 0x46: // FLOAT
        case 0x49: // INT
        case 0x4c: // LONG
          textLine();
          push(OTHER);
          break;
        case 0x4a: // BININT
          cursor.skip(4);
          push(OTHER);
          break;
        case 0x4b: // BININT1
          cursor.skip(1);
          push(OTHER);
          break;
        case 0x4d: // BININT2
          cursor.skip(2);
          push(OTHER);
          break;
        case 0x47: // BINFLOAT
          cursor.skip(8);
          push(OTHER);
          break;
        case 0x8a: // LONG1
          cursor.skip(cursor.byte());
          push(OTHER);
          break;
        case 0x8b: {
          // LONG4 (signed length)
          const length = cursor.uint(4);
          if (length >= 0x80000000) throw new WalkError("LONG4 of negative length");
          cursor.skip(length);
          push(OTHER);
          break;
        }
        case 0x4e: // NONE
        case 0x88: // NEWTRUE
        case 0x89: // NEWFALSE
        case 0x29: // EMPTY_TUPLE
        case 0x5d: // EMPTY_LIST
        case 0x7d: // EMPTY_DICT
        case 0x8f: // EMPTY_SET
          push(OTHER);
          break;
        case 0x50: // PERSID
          textLine();
          push(OTHER);
          break;
        case 0x51: // BINPERSID
          pop();
          push(OTHER);
          break;
        case 0x52: {
          // REDUCE
          pop();
          called(pop(), "REDUCE");
          push(OTHER);
          break;
        }
        case 0x53: {
          // STRING: a quoted literal on one line
          const text = textLine();
          const quoted = /^(['"])(.*)\1$/s.exec(text);
          if (!quoted) throw new WalkError("STRING without quotes (malformed)");
          push({ t: "str", v: quoted[2] ?? "" });
          break;
        }
        case 0x54: {
          // BINSTRING (signed length)
          const length = cursor.uint(4);
          if (length >= 0x80000000) throw new WalkError("BINSTRING of negative length");
          push(keptString(length, latin1));
          break;
        }
        case 0x55: // SHORT_BINSTRING
          push(keptString(cursor.byte(), latin1));
          break;
        case 0x56: // UNICODE (raw-unicode-escape, one line)
          push({ t: "str", v: textLine() });
          break;
        case 0x58: // BINUNICODE
          push(keptString(cursor.uint(4), utf8));
          break;
        case 0x8c: // SHORT_BINUNICODE
          push(keptString(cursor.byte(), utf8));
          break;
        case 0x8d: // BINUNICODE8
          push(keptString(cursor.uint(8), utf8));
          break;
        case 0x42: // BINBYTES
          cursor.skip(cursor.uint(4));
          push(OTHER);
          break;
        case 0x43: // SHORT_BINBYTES
          cursor.skip(cursor.byte());
          push(OTHER);
          break;
        case 0x8e: // BINBYTES8
        case 0x96: // BYTEARRAY8
          cursor.skip(cursor.uint(8));
          push(OTHER);
          break;
        case 0x97: // NEXT_BUFFER
          push(OTHER);
          break;
        case 0x98: // READONLY_BUFFER
          top();
          break;
        case 0x61: // APPEND
          pop();
          top();
          break;
        case 0x65: // APPENDS
        case 0x75: // SETITEMS
        case 0x90: // ADDITEMS
          popMark();
          top();
          break;
        case 0x73: // SETITEM
          pop();
          pop();
          top();
          break;
        case 0x62: // BUILD
          pop();
          top();
          break;
        case 0x64: // DICT
        case 0x6c: // LIST
        case 0x74: // TUPLE
        case 0x91: // FROZENSET
          popMark();
          push(OTHER);
          break;
        case 0x85: // TUPLE1
          pop();
          push(OTHER);
          break;
        case 0x86: // TUPLE2
          pop();
          pop();
          push(OTHER);
          break;
        case 0x87: // TUPLE3
          pop();
          pop();
          pop();
          push(OTHER);
          break;
        case 0x63: {
          // GLOBAL
          const [module, name] = globalNames();
          push(importOf(module, name));
          break;
        }
        case 0x93: {
          // STACK_GLOBAL: module and name are whatever strings the stack holds (often memoised ones)
          const name = pop();
          const module = pop();
          if (module.t !== "str" || name.t !== "str") {
            problems.push("STACK_GLOBAL imports a name that is not a string modelgate can read");
            push({ t: "global", name: "<unknown>", allowed: false });
          } else {
            push(importOf(module.v, name.v));
          }
          break;
        }
        case 0x69: {
          // INST: an import called with the items since MARK
          const [module, name] = globalNames();
          const imported = importOf(module, name);
          popMark();
          called(imported, "INST");
          push(OTHER);
          break;
        }
        case 0x6f: {
          // OBJ: the first item since MARK is called with the rest
          const marked = popMark();
          called(marked[0], "OBJ");
          push(OTHER);
          break;
        }
        case 0x81: {
          // NEWOBJ
          pop();
          called(pop(), "NEWOBJ");
          push(OTHER);
          break;
        }
        case 0x92: {
          // NEWOBJ_EX
          pop();
          pop();
          called(pop(), "NEWOBJ_EX");
          push(OTHER);
          break;
        }
        case 0x67: // GET
          memoGet(decimal(textLine()));
          break;
        case 0x68: // BINGET
          memoGet(cursor.byte());
          break;
        case 0x6a: // LONG_BINGET
          memoGet(cursor.uint(4));
          break;
        case 0x70: // PUT
          memoPut(decimal(textLine()));
          break;
        case 0x71: // BINPUT
          memoPut(cursor.byte());
          break;
        case 0x72: // LONG_BINPUT
          memoPut(cursor.uint(4));
          break;
        case 0x94: // MEMOIZE
          memoPut(memo.size);
          break;
        case 0x82: // EXT1
        case 0x83: // EXT2
        case 0x84: {
          // EXT4: an import through copyreg's extension registry, which modelgate cannot name
          const code = cursor.uint(EXT_ARGUMENT_BYTES[op] ?? 4);
          imports.add(`copyreg extension ${code}`);
          disallowed.add(`copyreg extension ${code}`);
          push({ t: "global", name: `copyreg extension ${code}`, allowed: false });
          break;
        }
        default:
          throw new WalkError(`unknown opcode 0x${op.toString(16).padStart(2, "0")} at byte ${at}`);
      }
    }
  } catch (error) {
    if (error instanceof Truncated) problems.push(`truncated: ${error.message}`);
    else if (error instanceof WalkError) problems.push(error.message);
    else throw error;
    return result();
  }

  function result(): PickleWalk {
    const isPickle = startsWithProto || reachedStop || imports.size > 0;
    return {
      isPickle,
      imports: [...imports],
      disallowed: [...disallowed],
      problems,
      end: cursor.pos,
      protocol,
    };
  }
}

function decimal(text: string): number {
  if (!/^\d{1,10}$/.test(text)) throw new WalkError(`memo key ${JSON.stringify(text.slice(0, 20))} is not a number`);
  return Number(text);
}

/** The magic number legacy (non-zip) `torch.save` writes first, as a protocol-2 pickle of one LONG1. */
const LEGACY_TORCH_MAGIC = [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e];
/** Legacy torch.save writes five pickles (magic, protocol, system info, the object, storage keys), then raw storages. */
const LEGACY_TORCH_PICKLES = 5;
/** Pickles in a row walked in a file that is not a legacy torch file. */
const MAX_PICKLES_IN_A_ROW = 64;

export interface PickleStream {
  isPickle: boolean;
  legacyTorch: boolean;
  walks: PickleWalk[];
}

/**
 * Every pickle in a row from byte 0 (docs/supply-chain.md): a legacy torch file's five, or as many
 * as follow each other (a loader calling pickle.load again would run the next one).
 */
export function walkPickles(source: ByteSource): PickleStream {
  const head = source.read(0, LEGACY_TORCH_MAGIC.length);
  const legacyTorch = LEGACY_TORCH_MAGIC.every((b, i) => head[i] === b);
  const walks: PickleWalk[] = [];
  let at = 0;
  for (let n = 0; n < (legacyTorch ? LEGACY_TORCH_PICKLES : MAX_PICKLES_IN_A_ROW); n++) {
    const walk = walkPickle(source, at);
    if (!walk.isPickle) break;
    walks.push(walk);
    if (walk.problems.length > 0 || walk.end >= source.size) break;
    at = walk.end;
  }
  // a loader calling pickle.load once more would run the next one: beyond the bound, that is a failure, not a skip
  const last = walks[walks.length - 1];
  if (!legacyTorch && walks.length === MAX_PICKLES_IN_A_ROW && last && last.problems.length === 0 && at < source.size) {
    const next = walkPickle(source, at);
    if (next.isPickle)
      walks.push({
        ...next,
        problems: [...next.problems, `more than ${MAX_PICKLES_IN_A_ROW} pickles in a row: too many to walk`],
      });
  }
  return { isPickle: walks.length > 0, legacyTorch, walks };
}
