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
    if (value instanceof PickledTensor && value.tensor) tensors.set(String(name), value.tensor);
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
const MARK = Symbol('mark');

const STORAGE_DTYPES: Record<string, StoredDtype | null> = {
  'torch.FloatStorage': 'F32',
  'torch.HalfStorage': 'F16',
  'torch.BFloat16Storage': 'BF16',
  'torch.LongStorage': null,
  'torch.IntStorage': null,
  'torch.BoolStorage': null,
  'torch.ByteStorage': null,
  'torch.DoubleStorage': null,
};
const WIDTH: Record<StoredDtype, number> = { F32: 4, F16: 2, BF16: 2 };

function rebuildTensor(args: unknown[]): PickledTensor {
  const [storage, offset, size, stride] = args as [PickledStorage, number, number[], number[]];
  if (!(storage instanceof PickledStorage)) throw new Error('tensor without storage');
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

function callGlobal(fn: unknown, args: unknown[]): unknown {
  if (!(fn instanceof PickledGlobal)) throw new Error('call of a non-global');
  switch (fn.name) {
    case 'collections.OrderedDict':
      return new Map();
    case 'torch._utils._rebuild_tensor_v2':
    case 'torch._utils._rebuild_tensor':
      return rebuildTensor(args);
    case 'torch._utils._rebuild_parameter':
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
  let pos = 0;
  const popMark = (): unknown[] => {
    const i = stack.lastIndexOf(MARK);
    if (i < 0) throw new Error('mark missing');
    const items = stack.splice(i);
    items.shift();
    return items;
  };
  const setItems = (target: unknown, items: unknown[]) => {
    if (!(target instanceof Map)) {
      if (target && typeof target === 'object') return; // state of an object we do not model (e.g. _metadata)
      throw new Error('setitem on a non-dict');
    }
    for (let i = 0; i < items.length; i += 2) target.set(items[i], items[i + 1]);
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
        case 0x7d: stack.push(new Map()); break; // EMPTY_DICT
        case 0x5d: stack.push([]); break; // EMPTY_LIST
        case 0x29: stack.push([]); break; // EMPTY_TUPLE
        case 0x28: stack.push(MARK); break; // MARK
        case 0x74: stack.push(popMark()); break; // TUPLE
        case 0x85: stack.push([stack.pop()]); break; // TUPLE1
        case 0x86: { const b = stack.pop(); const a = stack.pop(); stack.push([a, b]); break; } // TUPLE2
        case 0x87: { const c = stack.pop(); const b = stack.pop(); const a = stack.pop(); stack.push([a, b, c]); break; } // TUPLE3
        case 0x4e: stack.push(null); break; // NONE
        case 0x88: stack.push(true); break; // NEWTRUE
        case 0x89: stack.push(false); break; // NEWFALSE
        case 0x4b: stack.push(data[pos]); pos += 1; break; // BININT1
        case 0x4d: stack.push(view.getUint16(pos, true)); pos += 2; break; // BININT2
        case 0x4a: stack.push(view.getInt32(pos, true)); pos += 4; break; // BININT
        case 0x8a: { // LONG1
          const n = data[pos++];
          let v = 0n;
          for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(data[pos + i]);
          if (n > 0 && data[pos + n - 1] & 0x80) v -= 1n << BigInt(8 * n);
          pos += n;
          stack.push(Number(v));
          break;
        }
        case 0x47: stack.push(view.getFloat64(pos, false)); pos += 8; break; // BINFLOAT
        case 0x58: { const n = view.getUint32(pos, true); pos += 4; stack.push(decoder.decode(data.subarray(pos, pos + n))); pos += n; break; } // BINUNICODE
        case 0x8c: { const n = data[pos++]; stack.push(decoder.decode(data.subarray(pos, pos + n))); pos += n; break; } // SHORT_BINUNICODE
        case 0x55: { const n = data[pos++]; stack.push(decoder.decode(data.subarray(pos, pos + n))); pos += n; break; } // SHORT_BINSTRING
        case 0x54: { const n = view.getUint32(pos, true); pos += 4; stack.push(decoder.decode(data.subarray(pos, pos + n))); pos += n; break; } // BINSTRING
        case 0x71: memo.set(data[pos++], stack[stack.length - 1]); break; // BINPUT
        case 0x72: memo.set(view.getUint32(pos, true), stack[stack.length - 1]); pos += 4; break; // LONG_BINPUT
        case 0x94: memo.set(memo.size, stack[stack.length - 1]); break; // MEMOIZE
        case 0x68: stack.push(memo.get(data[pos++])); break; // BINGET
        case 0x6a: stack.push(memo.get(view.getUint32(pos, true))); pos += 4; break; // LONG_BINGET
        case 0x63: { const module = readLine(); const name = readLine(); stack.push(new PickledGlobal(`${module}.${name}`)); break; } // GLOBAL
        case 0x93: { const name = stack.pop(); const module = stack.pop(); stack.push(new PickledGlobal(`${module}.${name}`)); break; } // STACK_GLOBAL
        case 0x52: { const args = stack.pop() as unknown[]; const fn = stack.pop(); stack.push(callGlobal(fn, args)); break; } // REDUCE
        case 0x81: { const args = stack.pop() as unknown[]; const cls = stack.pop(); stack.push(callGlobal(cls, args)); break; } // NEWOBJ
        case 0x62: stack.pop(); break; // BUILD: object state we do not need
        case 0x51: { // BINPERSID: ('storage', StorageType, key, location, numel)
          const pid = stack.pop() as unknown[];
          const type = pid[1] instanceof PickledGlobal ? pid[1].name : '';
          if (pid[0] !== 'storage' || !(type in STORAGE_DTYPES)) throw new Error(`unsupported storage ${type}`);
          stack.push(new PickledStorage(STORAGE_DTYPES[type], storageBytes(String(pid[2]))));
          break;
        }
        case 0x73: { const v = stack.pop(); const k = stack.pop(); setItems(stack[stack.length - 1], [k, v]); break; } // SETITEM
        case 0x75: { const items = popMark(); setItems(stack[stack.length - 1], items); break; } // SETITEMS
        case 0x61: { const v = stack.pop(); (stack[stack.length - 1] as unknown[]).push(v); break; } // APPEND
        case 0x65: { const items = popMark(); (stack[stack.length - 1] as unknown[]).push(...items); break; } // APPENDS
        default:
          throw new Error(`unsupported pickle opcode 0x${op.toString(16)}`);
      }
    }
  } catch (e) {
    if (e instanceof EngineError) throw e;
    throw new EngineError('corrupt', `${fileName} could not be read as a state dict: ${(e as Error).message}.`);
  }
}
