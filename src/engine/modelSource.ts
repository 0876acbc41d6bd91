import { EngineError } from './errors';

export const DEFAULT_HUB_HOST = 'https://huggingface.co';

/** Where a model's files come from. Every kind answers the same question: the bytes of one file. */
export type ModelRef =
  | { kind: 'hub'; repo: string; revision: string; host?: string }
  | { kind: 'bundled'; name: string }
  | { kind: 'files'; label: string };

export interface FileProgress {
  file: string;
  loaded: number;
  total: number | null;
  cached: boolean;
}

export interface FetchOptions {
  onProgress?: (p: FileProgress) => void;
  signal?: AbortSignal;
}

export interface ModelSource {
  /** A short, stable description: shown to the user and used as a cache key. */
  readonly label: string;
  /** The file's bytes, or null if the source does not have it. */
  fetchFile(path: string, options?: FetchOptions): Promise<Uint8Array | null>;
}

/** Persistent byte store for downloads (the Cache API in browsers; none in Node). */
export interface ByteCache {
  get(url: string): Promise<Uint8Array | null>;
  put(url: string, bytes: Uint8Array): Promise<void>;
}

const REPO_PATTERN = /^[A-Za-z0-9][\w.-]*(\/[\w.-]+)?$/;

/** Parses "org/name", "org/name@revision" (revision may hold slashes: refs/pr/2). */
export function parseHubId(text: string): { repo: string; revision: string } {
  const trimmed = text.trim();
  const at = trimmed.indexOf('@');
  const repo = at < 0 ? trimmed : trimmed.slice(0, at);
  const revision = at < 0 ? 'main' : trimmed.slice(at + 1);
  if (!REPO_PATTERN.test(repo) || repo.includes('..')) {
    throw new EngineError('bad-input', `"${trimmed}" is not a Hub model id. Write it as owner/name, optionally with @revision (e.g. textattack/bert-base-uncased-SST-2@refs/pr/2).`);
  }
  if (!revision || /\s/.test(revision) || revision.includes('..')) {
    throw new EngineError('bad-input', `"${revision}" is not a valid revision.`);
  }
  return { repo, revision };
}

/** Downloads with byte progress; the body is read into one buffer, preallocated when the size is known. */
export async function fetchWithProgress(url: string, file: string, options: FetchOptions = {}): Promise<Uint8Array | null> {
  let response: Response;
  try {
    response = await fetch(url, { signal: options.signal });
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw new EngineError('cancelled', 'Loading was cancelled.');
    throw new EngineError('network', `Could not reach ${new URL(url).host} to download ${file}: ${(e as Error).message}. Check the connection or the Hub host setting.`);
  }
  if (response.status === 404) return null;
  if (response.status === 401 || response.status === 403) {
    throw new EngineError('not-found', `${file} is private or gated (HTTP ${response.status}). Head Atlas can only download public models.`);
  }
  if (!response.ok) throw new EngineError('network', `Downloading ${file} failed: HTTP ${response.status} ${response.statusText}.`);
  const header = response.headers.get('content-length');
  const total = header && !response.headers.get('content-encoding') ? Number(header) : null;
  const reader = response.body?.getReader();
  if (!reader) return new Uint8Array(await response.arrayBuffer());
  let buffer = new Uint8Array(total ?? 1 << 20);
  let loaded = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (loaded + value.byteLength > buffer.byteLength) {
        const grown = new Uint8Array(Math.max(buffer.byteLength * 2, loaded + value.byteLength));
        grown.set(buffer.subarray(0, loaded));
        buffer = grown;
      }
      buffer.set(value, loaded);
      loaded += value.byteLength;
      options.onProgress?.({ file, loaded, total, cached: false });
    }
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw new EngineError('cancelled', 'Loading was cancelled.');
    throw new EngineError('network', `The download of ${file} broke off after ${loaded} bytes: ${(e as Error).message}.`);
  }
  if (total !== null && loaded !== total) {
    throw new EngineError('corrupt', `${file} arrived with ${loaded} of ${total} bytes; download it again.`);
  }
  return loaded === buffer.byteLength ? buffer : buffer.slice(0, loaded);
}

/** A source whose files live at URLs; downloads are kept in `cache`, so a reload does not download again. */
export class UrlSource implements ModelSource {
  constructor(
    readonly label: string,
    private readonly urlOf: (path: string) => string,
    private readonly cache: ByteCache | null,
  ) {}

  async fetchFile(path: string, options: FetchOptions = {}): Promise<Uint8Array | null> {
    const url = this.urlOf(path);
    const hit = await this.cache?.get(url);
    if (hit) {
      options.onProgress?.({ file: path, loaded: hit.byteLength, total: hit.byteLength, cached: true });
      return hit;
    }
    const bytes = await fetchWithProgress(url, path, options);
    if (bytes) await this.cache?.put(url, bytes);
    return bytes;
  }
}

/** A repo on the Hub, or on any host that serves the Hub layout `{host}/{repo}/resolve/{revision}/{file}`. */
export function hubSource(repo: string, revision: string, host: string, cache: ByteCache | null): ModelSource {
  const base = host.replace(/\/+$/, '');
  const rev = encodeURIComponent(revision);
  const label = host === DEFAULT_HUB_HOST ? `${repo}@${revision}` : `${base}/${repo}@${revision}`;
  return new UrlSource(label, (path) => `${base}/${repo}/resolve/${rev}/${path.split('/').map(encodeURIComponent).join('/')}`, cache);
}

/** A model shipped with the app under `public/models/<name>/`. */
export function bundledSource(name: string, baseUrl: string): ModelSource {
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  return new UrlSource(`bundled:${name}`, (path) => new URL(`models/${name}/${path}`, base).href, null);
}

/**
 * Files the user picked or dropped: a model folder. Paths are matched relative to the folder, so
 * picking `my-model/` (with `my-model/onnx/model.onnx`) and dropping its files both work.
 */
export class LocalFilesSource implements ModelSource {
  private readonly byPath = new Map<string, Blob>();
  constructor(readonly label: string, files: { path: string; blob: Blob }[]) {
    const paths = files.map((f) => f.path.replace(/^\/+/, ''));
    // Strip a common top folder (webkitdirectory gives "folder/config.json").
    const first = paths[0]?.split('/')[0];
    const common = first && paths.every((p) => p.startsWith(`${first}/`)) ? `${first}/` : '';
    files.forEach((f, i) => this.byPath.set(paths[i].slice(common.length), f.blob));
  }

  async fetchFile(path: string, options: FetchOptions = {}): Promise<Uint8Array | null> {
    // Dropped files lose their folders (onnx/model.onnx arrives as model.onnx): match by name then.
    const blob = this.byPath.get(path) ?? this.byPath.get(path.slice(path.lastIndexOf('/') + 1));
    if (!blob) return null;
    const bytes = new Uint8Array(await blob.arrayBuffer());
    options.onProgress?.({ file: path, loaded: bytes.byteLength, total: bytes.byteLength, cached: true });
    return bytes;
  }
}

/** The Cache API, where it exists (browsers, workers); null elsewhere. */
export async function openBrowserCache(name = 'head-atlas-models-v1'): Promise<ByteCache | null> {
  if (typeof caches === 'undefined') return null;
  let cache: Cache;
  try {
    cache = await caches.open(name);
  } catch {
    return null; // e.g. an opaque origin
  }
  return {
    async get(url) {
      const hit = await cache.match(url);
      return hit ? new Uint8Array(await hit.arrayBuffer()) : null;
    },
    async put(url, bytes) {
      try {
        await cache.put(url, new Response(bytes as BlobPart));
      } catch {
        // Quota exceeded: the model still runs, it just downloads again next time.
      }
    },
  };
}
