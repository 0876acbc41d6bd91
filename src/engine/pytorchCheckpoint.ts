import { EngineError } from './errors';
import { elementCount, type StoredDtype, type StoredTensor } from './tensorData';

/**
 * Reads PyTorch's zip checkpoint format (`torch.save` since 1.6): a zip of stored entries with a
 * pickled state dict (`data.pkl`) whose tensors point at `data/<key>` entries by persistent id.
 * Only the pickle opcodes and globals a state dict uses are understood; anything else is refused,
 * so no code from the file ever runs.
 */
export function parsePytorchCheckpoint(bytes: Uint8Array, fileName = 'pytorch_model.bin'): Map<string, StoredTensor> {
  const entries = readStoredZip(bytes, fileName);
  const pklName = [...entries.keys()].find((n) => n.endsWith('/data.pkl') || n === 'data.pkl');
  if (!pklName) {
    throw new EngineError('corrupt', `${fileName} holds no data.pkl: only the zip format of torch.save (PyTorch ≥ 1.6) is supported.`);
  }
  const prefix = pklName.slice(0, pklName.length - 'data.pkl'.length);
  const root = unpickle(entries.get(pklName)!, (key) => {
    const data = entries.get(`${prefix}data/${key}`);
    if (!data) throw new EngineError('corrupt', `${fileName} lacks the storage data/${key}.`);
    return data;
  }, fileName);
  if (!(root instanceof Map)) throw new EngineError('corrupt', `${fileName} does not hold a state dict.`);
  const tensors = new Map<string, StoredTensor>();
  for (const [name, value] of root) {
    if (!(value instanceof PickledTensor) || !value.tensor) continue;
    if (typeof name !== 'string') throw new EngineError('corrupt', `${fileName} has a tensor whose key is not a string, so it is not a state dict.`);
    tensors.set(name, value.tensor);
  }
  return tensors;
}

function readStoredZip(bytes: Uint8Array, fileName: string): Map<string, Uint8Array> {
  const corrupt = (why: string) => new EngineError('corrupt', `${fileName} is not a readable PyTorch zip checkpoint (${why}). It may be truncated: download it again.`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let eocd = -1;
  for (let i = bytes.byteLength - 22; i >= Math.max(0, bytes.byteLength - 22 - 65535); i--) {
    if (view.getUint32(i, true) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw corrupt('no end-of-archive record');
  let count = view.getUint16(eocd + 10, true);
  let cdOffset = view.getUint32(eocd + 16, true);
  if (cdOffset === 0xffffffff || count === 0xffff) {
    const locator = eocd - 20;
    if (locator < 0 || view.getUint32(locator, true) !== 0x07064b50) throw corrupt('zip64 locator missing');
    const z64 = Number(view.getBigUint64(locator + 8, true));
    if (z64 + 56 > bytes.byteLength || view.getUint32(z64, true) !== 0x06064b50) throw corrupt('zip64 record missing');
    count = Number(view.getBigUint64(z64 + 32, true));
    cdOffset = Number(view.getBigUint64(z64 + 48, true));
  }
  const entries = new Map<string, Uint8Array>();
  let p = cdOffset;
  const decoder = new TextDecoder();
  for (let i = 0; i < count; i++) {
    if (p + 46 > bytes.byteLength || view.getUint32(p, true) !== 0x02014b50) throw corrupt('central directory damaged');
    const method = view.getUint16(p + 10, true);
    let size = view.getUint32(p + 20, true);
    const nameLen = view.getUint16(p + 28, true);
    const extraLen = view.getUint16(p + 30, true);
    const commentLen = view.getUint16(p + 32, true);
    let localOffset = view.getUint32(p + 42, true);
    const name = decoder.decode(bytes.subarray(p + 46, p + 46 + nameLen));
    // Zip64 sizes and offsets live in the extra field (id 1), in this order, only where the 32-bit field is full.
    let q = p + 46 + nameLen;
    const extraEnd = q + extraLen;
    while (q + 4 <= extraEnd) {
      const id = view.getUint16(q, true);
      const len = view.getUint16(q + 2, true);
      if (id === 1) {
        let r = q + 4;
        const compressedFull = view.getUint32(p + 20, true) === 0xffffffff;
        if (view.getUint32(p + 24, true) === 0xffffffff) { size = Number(view.getBigUint64(r, true)); r += 8; }
        if (compressedFull) { size = Number(view.getBigUint64(r, true)); r += 8; }
        if (localOffset === 0xffffffff) localOffset = Number(view.getBigUint64(r, true));
      }
      q += 4 + len;
    }
    if (method !== 0) throw corrupt(`entry ${name} is compressed; torch.save stores entries uncompressed`);
    if (localOffset + 30 > bytes.byteLength || view.getUint32(localOffset, true) !== 0x04034b50) throw corrupt(`entry ${name} has no local header`);
    const dataStart = localOffset + 30 + view.getUint16(localOffset + 26, true) + view.getUint16(localOffset + 28, true);
    if (dataStart + size > bytes.byteLength) throw corrupt(`entry ${name} lies past the end of the file`);
    entries.set(name, bytes.subarray(dataStart, dataStart + size));
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

class PickledGlobal {
  constructor(readonly name: string) {}
}
class PickledStorage {
  constructor(readonly dtype: StoredDtype | null, readonly bytes: Uint8Array) {}
}
class PickledTensor {
  constructor(readonly tensor: StoredTensor | null) {}
}

const STORAGE_DTYPES: Record<string, StoredDtype | null> = {
  'torch.FloatStorage': 'F32',
  'torch.HalfStorage': 'F16',
  'torch.BFloat16Storage': 'BF16',
  'torch.LongStorage': null,
  'torch.IntStorage': null,
  'torch.BoolStorage': null,
  'torch.ByteStorage': null,
  'torch.DoubleStorage': 'F64',
};
const WIDTH: Record<StoredDtype, number> = { F32: 4, F16: 2, BF16: 2, F64: 8 };

/**
 * Bounds on the pickle reader's work: a state dict of BERT has a few hundred entries, each a few
 * containers deep, so a pickle past these is a crafted one and fails fast with a message.
 */
export const PICKLE_LIMITS = { memo: 1_000_000, stack: 1_000_000, items: 5_000_000, depth: 64, dims: 8 } as const;

const isIndex = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

function rebuildTensor(args: unknown): PickledTensor {
  if (!Array.isArray(args)) throw new Error('tensor arguments are not a tuple');
  const [storage, offset, size, stride] = args as unknown[];
  if (!(storage instanceof PickledStorage)) throw new Error('tensor without storage');
  if (!isIndex(offset)) throw new Error('tensor offset is not an integer');
  const validDims = (v: unknown): v is number[] => Array.isArray(v) && v.length <= PICKLE_LIMITS.dims && v.every(isIndex);
  if (!validDims(size) || !validDims(stride) || size.length !== stride.length) throw new Error('tensor size or stride is not a list of integers');
  if (!storage.dtype) return new PickledTensor(null);
  const shape = [...size];
  let expected = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] !== 1 && stride[i] !== expected) throw new Error('non-contiguous tensor');
    expected *= shape[i];
  }
  const width = WIDTH[storage.dtype];
  const begin = offset * width;
  const end = begin + elementCount(shape) * width;
  if (end > storage.bytes.byteLength) throw new Error('tensor past its storage');
  return new PickledTensor({ dtype: storage.dtype, shape, bytes: storage.bytes.subarray(begin, end) });
}

function callGlobal(fn: unknown, args: unknown): unknown {
  if (!(fn instanceof PickledGlobal)) throw new Error('call of a non-global');
  switch (fn.name) {
    case 'collections.OrderedDict':
      return new Map();
    case 'torch._utils._rebuild_tensor_v2':
    case 'torch._utils._rebuild_tensor':
      return rebuildTensor(args);
    case 'torch._utils._rebuild_parameter':
      if (!Array.isArray(args)) throw new Error('parameter arguments are not a tuple');
      return args[0];
    default:
      throw new Error(`unsupported global ${fn.name}`);
  }
}

function unpickle(data: Uint8Array, storageBytes: (key: string) => Uint8Array, fileName: string): unknown {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const decoder = new TextDecoder();
  const stack: unknown[] = [];
  const memo = new Map<number, unknown>();
  // Where each MARK is on the stack (Python's metastack), so popping a mark never scans.
  const marks: number[] = [];
  // How deep each container is, and how many items all containers hold: bounded (PICKLE_LIMITS).
  const depths = new WeakMap<object, number>();
  let items = 0;
  let pos = 0;
  const depthOf = (v: unknown) => (v && typeof v === 'object' ? (depths.get(v) ?? 0) : 0);
  const contain = (container: object, added: unknown[]) => {
    items += added.length;
    if (items > PICKLE_LIMITS.items) throw new Error(`it holds more than ${PICKLE_LIMITS.items} items`);
    let depth = depths.get(container) ?? 1;
    for (const v of added) depth = Math.max(depth, depthOf(v) + 1);
    if (depth > PICKLE_LIMITS.depth) throw new Error(`its containers nest more than ${PICKLE_LIMITS.depth} deep`);
    depths.set(container, depth);
  };
  const container = <T extends object>(made: T, from: unknown[] = []): T => {
    contain(made, from);
    return made;
  };
  const push = (v: unknown) => {
    if (stack.length >= PICKLE_LIMITS.stack) throw new Error(`its stack grows past ${PICKLE_LIMITS.stack} entries`);
    stack.push(v);
  };
  const popMark = (): unknown[] => {
    const i = marks.pop();
    if (i === undefined || i > stack.length) throw new Error('mark missing');
    return stack.splice(i);
  };
  const remember = (key: number) => {
    if (memo.size >= PICKLE_LIMITS.memo && !memo.has(key)) throw new Error(`its memo grows past ${PICKLE_LIMITS.memo} entries`);
    if (!stack.length) throw new Error('memo of an empty stack');
    memo.set(key, stack[stack.length - 1]);
  };
  const recall = (key: number) => {
    if (!memo.has(key)) throw new Error(`memo entry ${key} is missing`);
    return memo.get(key);
  };
  const tuple = (from: unknown[]) => container(from, from);
  const setItems = (target: unknown, items: unknown[]) => {
    if (!(target instanceof Map)) {
      if (target && typeof target === 'object' && !Array.isArray(target)) return; // state of an object we do not model (e.g. _metadata)
      throw new Error('setitem on a non-dict');
    }
    if (items.length % 2) throw new Error('a dict item without a value');
    contain(target, items);
    for (let i = 0; i < items.length; i += 2) target.set(items[i], items[i + 1]);
  };
  const append = (target: unknown, added: unknown[]) => {
    if (!Array.isArray(target)) throw new Error('append to a non-list');
    contain(target, added);
    for (const v of added) target.push(v);
  };
  const str = (v: unknown, what: string): string => {
    if (typeof v !== 'string') throw new Error(`${what} is not a string`);
    return v;
  };
  const readLine = () => {
    const end = data.indexOf(10, pos);
    if (end < 0) throw new Error('unterminated line');
    const s = decoder.decode(data.subarray(pos, end));
    pos = end + 1;
    return s;
  };
  try {
    for (;;) {
      if (pos >= data.byteLength) throw new Error('pickle ends without STOP');
      const op = data[pos++];
      switch (op) {
        case 0x80: pos++; break; // PROTO
        case 0x95: pos += 8; break; // FRAME
        case 0x2e: return stack.pop(); // STOP
        case 0x7d: push(container(new Map())); break; // EMPTY_DICT
        case 0x5d: push(container([])); break; // EMPTY_LIST
        case 0x29: push(container([])); break; // EMPTY_TUPLE
        case 0x28: marks.push(stack.length); break; // MARK
        case 0x74: push(tuple(popMark())); break; // TUPLE
        case 0x85: push(tuple(stack.splice(-1))); break; // TUPLE1
        case 0x86: push(tuple(stack.splice(-2))); break; // TUPLE2
        case 0x87: push(tuple(stack.splice(-3))); break; // TUPLE3
        case 0x4e: push(null); break; // NONE
        case 0x88: push(true); break; // NEWTRUE
        case 0x89: push(false); break; // NEWFALSE
        case 0x4b: push(data[pos]); pos += 1; break; // BININT1
        case 0x4d: push(view.getUint16(pos, true)); pos += 2; break; // BININT2
        case 0x4a: push(view.getInt32(pos, true)); pos += 4; break; // BININT
        case 0x8a: { // LONG1
          const n = data[pos++];
          let v = 0n;
          for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(data[pos + i]);
          if (n > 0 && data[pos + n - 1] & 0x80) v -= 1n << BigInt(8 * n);
          pos += n;
          push(Number(v));
          break;
        }
        case 0x47: push(view.getFloat64(pos, false)); pos += 8; break; // BINFLOAT
        case 0x58: { const n = view.getUint32(pos, true); pos += 4; push(decoder.decode(data.subarray(pos, pos + n))); pos += n; break; } // BINUNICODE
        case 0x8c: { const n = data[pos++]; push(decoder.decode(data.subarray(pos, pos + n))); pos += n; break; } // SHORT_BINUNICODE
        case 0x55: { const n = data[pos++]; push(decoder.decode(data.subarray(pos, pos + n))); pos += n; break; } // SHORT_BINSTRING
        case 0x54: { const n = view.getUint32(pos, true); pos += 4; push(decoder.decode(data.subarray(pos, pos + n))); pos += n; break; } // BINSTRING
        case 0x71: remember(data[pos++]); break; // BINPUT
        case 0x72: remember(view.getUint32(pos, true)); pos += 4; break; // LONG_BINPUT
        case 0x94: remember(memo.size); break; // MEMOIZE
        case 0x68: push(recall(data[pos++])); break; // BINGET
        case 0x6a: push(recall(view.getUint32(pos, true))); pos += 4; break; // LONG_BINGET
        case 0x63: { const module = readLine(); const name = readLine(); push(new PickledGlobal(`${module}.${name}`)); break; } // GLOBAL
        case 0x93: { const name = str(stack.pop(), 'a global name'); const module = str(stack.pop(), 'a module name'); push(new PickledGlobal(`${module}.${name}`)); break; } // STACK_GLOBAL
        case 0x52: { const args = stack.pop(); const fn = stack.pop(); push(callGlobal(fn, args)); break; } // REDUCE
        case 0x81: { const args = stack.pop(); const cls = stack.pop(); push(callGlobal(cls, args)); break; } // NEWOBJ
        case 0x62: stack.pop(); break; // BUILD: object state we do not need
        case 0x51: { // BINPERSID: ('storage', StorageType, key, location, numel)
          const pid = stack.pop();
          if (!Array.isArray(pid)) throw new Error('a persistent id that is not a tuple');
          const type = pid[1] instanceof PickledGlobal ? pid[1].name : '';
          if (pid[0] !== 'storage' || !Object.hasOwn(STORAGE_DTYPES, type)) throw new Error(`unsupported storage ${type || 'type'}`);
          if (typeof pid[2] !== 'string' && !isIndex(pid[2])) throw new Error('a storage key that is not a string');
          push(new PickledStorage(STORAGE_DTYPES[type], storageBytes(String(pid[2]))));
          break;
        }
        case 0x73: { const v = stack.pop(); const k = stack.pop(); setItems(stack[stack.length - 1], [k, v]); break; } // SETITEM
        case 0x75: { const items = popMark(); setItems(stack[stack.length - 1], items); break; } // SETITEMS
        case 0x61: { const v = stack.pop(); append(stack[stack.length - 1], [v]); break; } // APPEND
        case 0x65: { const items = popMark(); append(stack[stack.length - 1], items); break; } // APPENDS
        default:
          throw new Error(`unsupported pickle opcode 0x${op.toString(16)}`);
      }
    }
  } catch (e) {
    if (e instanceof EngineError) throw e;
    // RangeError: a structure too large or deep for the engine, whatever the bounds above missed.
    const why = e instanceof RangeError ? 'it is too large or too deeply nested' : (e as Error).message;
    throw new EngineError('corrupt', `${fileName} could not be read as a state dict: ${why}.`);
  }
}
