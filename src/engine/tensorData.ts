import { EngineError } from './errors';

/** F64 is read only so that a message can name the tensor: Head Atlas does not convert it. */
export type StoredDtype = 'F32' | 'F16' | 'BF16' | 'F64';

/** A tensor as stored in a checkpoint file: a view of the file's bytes, not a copy. */
export interface StoredTensor {
  dtype: StoredDtype;
  shape: number[];
  bytes: Uint8Array;
}

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

const f32Scratch = new Float32Array(1);
const u32Scratch = new Uint32Array(f32Scratch.buffer);

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** Widens a stored tensor to float32; float32 data that is 4-byte aligned is returned as a view. */
export function toFloat32(t: StoredTensor): Float32Array {
  if (t.dtype === 'F64') throw new EngineError('corrupt', `A tensor of shape [${t.shape}] is stored as F64 (float64), which Head Atlas does not read.`);
  const n = elementCount(t.shape);
  const width = t.dtype === 'F32' ? 4 : 2;
  if (t.bytes.byteLength !== n * width) {
    throw new EngineError('corrupt', `A tensor of shape [${t.shape}] holds ${t.bytes.byteLength} bytes, not ${n * width}: the file is damaged.`);
  }
  if (t.dtype === 'F32') {
    if (t.bytes.byteOffset % 4 === 0) return new Float32Array(t.bytes.buffer, t.bytes.byteOffset, n);
    return new Float32Array(t.bytes.slice().buffer);
  }
  const view = new DataView(t.bytes.buffer, t.bytes.byteOffset, t.bytes.byteLength);
  const out = new Float32Array(n);
  if (t.dtype === 'F16') {
    for (let i = 0; i < n; i++) out[i] = halfToFloat(view.getUint16(2 * i, true));
  } else {
    for (let i = 0; i < n; i++) {
      u32Scratch[0] = view.getUint16(2 * i, true) << 16;
      out[i] = f32Scratch[0];
    }
  }
  return out;
}
