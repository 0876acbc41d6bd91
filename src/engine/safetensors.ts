import { EngineError } from './errors';
import { elementCount, type StoredDtype, type StoredTensor } from './tensorData';

const DTYPES: Record<string, { dtype: StoredDtype; width: number }> = {
  F32: { dtype: 'F32', width: 4 },
  F16: { dtype: 'F16', width: 2 },
  BF16: { dtype: 'BF16', width: 2 },
};

/** Parses a `.safetensors` file into views of its bytes. */
export function parseSafetensors(bytes: Uint8Array, fileName = 'model.safetensors'): Map<string, StoredTensor> {
  const corrupt = (why: string) => new EngineError('corrupt', `${fileName} is not a valid safetensors file (${why}). It may be truncated: download it again.`);
  if (bytes.byteLength < 8) throw corrupt('shorter than its header');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > bytes.byteLength - 8 || headerLength > 100_000_000) throw corrupt('header length out of range');
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
  } catch {
    throw corrupt('header is not JSON');
  }
  const dataStart = 8 + headerLength;
  const tensors = new Map<string, StoredTensor>();
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const { dtype, shape, data_offsets: offsets } = entry as { dtype: string; shape: number[]; data_offsets: [number, number] };
    const kind = DTYPES[dtype];
    if (!kind) {
      // Integer buffers (e.g. position_ids) are not weights the graph needs.
      continue;
    }
    const [begin, end] = offsets ?? [];
    if (!(begin >= 0 && end >= begin && dataStart + end <= bytes.byteLength)) throw corrupt(`tensor ${name} lies past the end of the file`);
    if (end - begin !== elementCount(shape) * kind.width) throw corrupt(`tensor ${name} has the wrong byte length`);
    tensors.set(name, { dtype: kind.dtype, shape, bytes: bytes.subarray(dataStart + begin, dataStart + end) });
  }
  return tensors;
}
