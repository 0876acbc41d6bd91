import { EngineError } from './errors';
import { elementCount, type StoredDtype, type StoredTensor } from './tensorData';

const DTYPES: Record<string, { dtype: StoredDtype; width: number }> = {
  F32: { dtype: 'F32', width: 4 },
  F16: { dtype: 'F16', width: 2 },
  BF16: { dtype: 'BF16', width: 2 },
  F64: { dtype: 'F64', width: 8 },
};
const MAX_DIMS = 8;

/** Parses a `.safetensors` file into views of its bytes. */
export function parseSafetensors(bytes: Uint8Array, fileName = 'model.safetensors'): Map<string, StoredTensor> {
  const corrupt = (why: string) => new EngineError('corrupt', `${fileName} is not a valid safetensors file (${why}). It may be truncated: download it again.`);
  if (bytes.byteLength < 8) throw corrupt('shorter than its header');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > bytes.byteLength - 8 || headerLength > 100_000_000) throw corrupt('header length out of range');
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
  } catch {
    throw corrupt('header is not JSON');
  }
  if (!header || typeof header !== 'object' || Array.isArray(header)) throw corrupt('header is not a JSON object');
  const dataStart = 8 + headerLength;
  const tensors = new Map<string, StoredTensor>();
  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') continue;
    if (!entry || typeof entry !== 'object') throw corrupt(`the entry of tensor ${name} is not an object`);
    const { dtype, shape, data_offsets: offsets } = entry as { dtype: unknown; shape: unknown; data_offsets: unknown };
    if (!Array.isArray(shape) || shape.length > MAX_DIMS || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw corrupt(`tensor ${name} has no valid shape (a list of at most ${MAX_DIMS} non-negative integers)`);
    }
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o))) {
      throw corrupt(`tensor ${name} has no valid data_offsets (two integers)`);
    }
    const kind = typeof dtype === 'string' && Object.hasOwn(DTYPES, dtype) ? DTYPES[dtype] : null;
    if (!kind) {
      // Integer buffers (e.g. position_ids) are not weights the graph needs.
      continue;
    }
    const [begin, end] = offsets as [number, number];
    if (!(begin >= 0 && end >= begin && dataStart + end <= bytes.byteLength)) throw corrupt(`tensor ${name} lies past the end of the file`);
    if (end - begin !== elementCount(shape) * kind.width) throw corrupt(`tensor ${name} has the wrong byte length`);
    tensors.set(name, { dtype: kind.dtype, shape, bytes: bytes.subarray(dataStart + begin, dataStart + end) });
  }
  return tensors;
}
