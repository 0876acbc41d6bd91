import { readFile } from 'node:fs/promises';
import { relative, resolve, sep } from 'node:path';
import { EngineError } from './errors';
import { checkContainedPath, type FetchOptions, type ModelSource } from './modelSource';

/** A Hub-layout model folder on disk, for Node (tests, benchmarks, the command line). */
export function diskSource(folder: string, label = folder): ModelSource {
  const root = resolve(folder);
  return {
    label,
    async fetchFile(path: string, options: FetchOptions = {}) {
      // A path a model file names (a shard, external data) must not read outside the folder.
      const full = resolve(root, checkContainedPath(path, label));
      const inside = relative(root, full);
      if (!inside || inside === '..' || inside.startsWith(`..${sep}`)) {
        throw new EngineError('bad-input', `${label} names the file ${JSON.stringify(path)}, which lies outside its folder, so it is refused.`);
      }
      try {
        const bytes = new Uint8Array(await readFile(full));
        options.onProgress?.({ file: path, loaded: bytes.byteLength, total: bytes.byteLength, cached: true });
        return bytes;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw e;
      }
    },
  };
}
