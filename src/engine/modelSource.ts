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
  /** Called once a fetched file has parsed: only then may a source keep it (in a cache) for next time. */
  keep?(path: string): Promise<void>;
  /** Called when a file did not parse: a source drops any copy it kept, so the next load downloads it again. */
  discard?(path: string): Promise<void>;
}

/** Persistent byte store for downloads (the Cache API in browsers; none in Node). */
export interface ByteCache {
  get(url: string): Promise<Uint8Array | null>;
  put(url: string, bytes: Uint8Array): Promise<void>;
  /** Removes one entry (a file that no longer parses). */
  remove?(url: string): Promise<void>;
  /** Removes every entry whose URL starts with `prefix`; returns how many were removed. */
  removeAll?(prefix: string): Promise<number>;
}

/**
 * Refuses a file path a model file names (an ONNX external-data location, a safetensors shard)
 * unless it stays inside the model's folder: no `..` or `.` segment, no absolute path or drive,
 * no backslash, no empty segment, no control character.
 */
export function checkContainedPath(path: unknown, what: string): string {
  const shown = JSON.stringify(String(path)).slice(0, 80);
  const refuse = (why: string) => new EngineError('bad-input', `${what} names the file ${shown}, which ${why}: a model's files must stay inside its own folder, so it is refused.`);
  if (typeof path !== 'string' || path.length === 0) throw refuse('is not a file name');
  if (path.includes('\\')) throw refuse('holds a backslash');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(path)) throw refuse('holds a control character');
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path) || /^[A-Za-z][\w+.-]*:\/\//.test(path)) throw refuse('is an absolute path or URL');
  const segments = path.split('/');
  if (segments.some((s) => s === '')) throw refuse('has an empty segment');
  if (segments.some((s) => s === '..' || s === '.' || /^(%2e|\.){1,2}$/i.test(s))) throw refuse('leaves its folder (a "." or ".." segment)');
  return path;
}

/** A bundled model's name: one folder under public/models/, never a path ("." or ".." included). */
export const BUNDLED_NAME = /^[A-Za-z0-9][\w-]*(\.[\w-]+)*$/;

export function checkBundledName(name: string): string {
  if (!BUNDLED_NAME.test(name)) {
    throw new EngineError('bad-input', `"bundled:${name.slice(0, 60)}" is not a bundled model: after "bundled:" comes the name of one (letters, digits, "-", "_" and inner dots), e.g. bundled:micro-bert-sst2.`);
  }
  return name;
}

/**
 * A Hub host as a base URL, refused when it is not http(s) or holds a user name or password (a
 * link would carry it, and messages would show it); the message never repeats the credentials.
 */
export function checkHubHost(host: string): string {
  let url: URL;
  try {
    url = new URL(host);
  } catch {
    throw new EngineError('bad-input', 'The Hub host is not a URL: write it as https://host (optionally with a path).');
  }
  if (url.username || url.password) {
    throw new EngineError('bad-input', `The Hub host ${url.protocol}//${url.host} was given with a user name or password: Head Atlas only downloads public models, and never sends or shows credentials. Remove "user:password@" from the host.`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new EngineError('bad-input', `The Hub host must be an http(s) URL, not ${url.protocol}.`);
  return host.replace(/\/+$/, '');
}

/** A body that is a web page (an error or login page served with 200), not the file asked for. */
function looksLikeHtml(bytes: Uint8Array): boolean {
  const head = new TextDecoder().decode(bytes.subarray(0, 512)).replace(/^\uFEFF/, '').trimStart().toLowerCase();
  return head.startsWith('<!doctype html') || head.startsWith('<html') || head.startsWith('<head') || head.startsWith('<body');
}

const webPage = (file: string) =>
  new EngineError('corrupt', `The host answered ${file} with a web page, not the file: check the Hub host and the model id (the host may need a login, or serve an error page).`);

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
    // The browser's message may quote the URL; only its host is shown, never credentials.
    throw new EngineError('network', `Could not reach ${new URL(url).host} to download ${file}. Check the connection or the Hub host setting.`);
  }
  if (response.status === 404) return null;
  if (response.status === 401 || response.status === 403) {
    throw new EngineError('not-found', `${file} is private or gated (HTTP ${response.status}). Head Atlas can only download public models.`);
  }
  if (!response.ok) throw new EngineError('network', `Downloading ${file} failed: HTTP ${response.status} ${response.statusText}.`);
  if (/^\s*text\/html\b/i.test(response.headers.get('content-type') ?? '')) {
    void response.body?.cancel().catch(() => undefined);
    throw webPage(file);
  }
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
  const bytes = loaded === buffer.byteLength ? buffer : buffer.slice(0, loaded);
  if (looksLikeHtml(bytes)) throw webPage(file);
  return bytes;
}

/**
 * A source whose files live at URLs. A download is put in `cache` (so a reload does not download
 * again) only when `keep` says it parsed: a broken download is never kept.
 */
export class UrlSource implements ModelSource {
  private readonly downloaded = new Map<string, Uint8Array>();

  constructor(
    readonly label: string,
    private readonly urlOf: (path: string) => string,
    private readonly cache: ByteCache | null,
  ) {}

  async fetchFile(path: string, options: FetchOptions = {}): Promise<Uint8Array | null> {
    const url = this.urlOf(checkContainedPath(path, this.label));
    const hit = await this.cache?.get(url);
    if (hit) {
      options.onProgress?.({ file: path, loaded: hit.byteLength, total: hit.byteLength, cached: true });
      return hit;
    }
    const bytes = await fetchWithProgress(url, path, options);
    if (bytes && this.cache) this.downloaded.set(path, bytes);
    return bytes;
  }

  async keep(path: string): Promise<void> {
    const bytes = this.downloaded.get(path);
    if (!bytes) return;
    this.downloaded.delete(path);
    await this.cache?.put(this.urlOf(path), bytes);
  }

  async discard(path: string): Promise<void> {
    this.downloaded.delete(path);
    await this.cache?.remove?.(this.urlOf(path));
  }
}

/** Where a Hub repo's files live: `{host}/{repo}/resolve/{revision}/`. */
export function hubBaseUrl(repo: string, revision: string, host: string): string {
  return `${checkHubHost(host)}/${repo}/resolve/${encodeURIComponent(revision)}/`;
}

/** A repo on the Hub, or on any host that serves the Hub layout `{host}/{repo}/resolve/{revision}/{file}`. */
export function hubSource(repo: string, revision: string, host: string, cache: ByteCache | null): ModelSource {
  const base = checkHubHost(host);
  const files = hubBaseUrl(repo, revision, host);
  const label = host === DEFAULT_HUB_HOST ? `${repo}@${revision}` : `${base}/${repo}@${revision}`;
  return new UrlSource(label, (path) => `${files}${path.split('/').map(encodeURIComponent).join('/')}`, cache);
}

/** Removes a Hub model's downloaded files from `cache`; returns how many files were removed. */
export async function removeCachedHubFiles(repo: string, revision: string, host: string, cache: ByteCache | null): Promise<number> {
  if (!cache?.removeAll) return 0;
  return cache.removeAll(hubBaseUrl(repo, revision, host));
}

/** A model shipped with the app under `public/models/<name>/`. */
export function bundledSource(name: string, baseUrl: string): ModelSource {
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  const folder = new URL(`models/${encodeURIComponent(checkBundledName(name))}/`, base).href;
  return new UrlSource(`bundled:${name}`, (path) => `${folder}${path.split('/').map(encodeURIComponent).join('/')}`, null);
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
    checkContainedPath(path, this.label);
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
    async remove(url) {
      await cache.delete(url).catch(() => false);
    },
    async removeAll(prefix) {
      const requests = (await cache.keys()).filter((r) => r.url.startsWith(prefix));
      const removed = await Promise.all(requests.map((r) => cache.delete(r)));
      return removed.filter(Boolean).length;
    },
  };
}
