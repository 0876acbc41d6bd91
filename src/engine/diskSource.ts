import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FetchOptions, ModelSource } from './modelSource';

/** A Hub-layout model folder on disk, for Node (tests, benchmarks, the command line). */
export function diskSource(folder: string, label = folder): ModelSource {
  return {
    label,
    async fetchFile(path: string, options: FetchOptions = {}) {
      try {
        const bytes = new Uint8Array(await readFile(join(folder, path)));
        options.onProgress?.({ file: path, loaded: bytes.byteLength, total: bytes.byteLength, cached: true });
        return bytes;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw e;
      }
    },
  };
}
