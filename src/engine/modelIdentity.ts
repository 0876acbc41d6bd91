// What a loaded model is, by content: every file a load reads (config, tokenizer files, weights,
// external data) goes into one hash. Stored results, exports and labels are keyed by it, so a
// result is never shown for another model that happens to have the same name (another Hub host,
// a folder, a moved branch, another weights format).
import type { FetchOptions, ModelSource } from './modelSource';

/** Files are hashed in pieces of this size, so hashing never copies a whole weights file at once. */
const PIECE = 16 * 2 ** 20;

const hex = (buffer: ArrayBuffer) => Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, '0')).join('');

async function sha256(bytes: Uint8Array): Promise<ArrayBuffer> {
  return globalThis.crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
}

/** SHA-256 over the SHA-256 of each 16 MiB piece (one piece: the plain SHA-256 of the piece's hash). */
export async function fileDigest(bytes: Uint8Array): Promise<string> {
  const pieces: ArrayBuffer[] = [];
  for (let start = 0; start < bytes.byteLength || start === 0; start += PIECE) {
    pieces.push(await sha256(bytes.subarray(start, Math.min(bytes.byteLength, start + PIECE))));
    if (bytes.byteLength === 0) break;
  }
  const joined = new Uint8Array(pieces.length * 32);
  pieces.forEach((p, i) => joined.set(new Uint8Array(p), i * 32));
  return hex(await sha256(joined));
}

/** The identity of a set of files: `sha256:` and 32 hex digits over their paths, sizes and digests. */
export async function identityOf(files: { path: string; size: number; digest: string }[]): Promise<string> {
  const lines = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)).map((f) => `${f.path}\t${f.size}\t${f.digest}\n`);
  return `sha256:${hex(await sha256(new TextEncoder().encode(lines.join('')))).slice(0, 32)}`;
}

/** A source that records the digest of every file it hands out, for the loaded model's identity. */
export class FingerprintingSource implements ModelSource {
  private readonly files = new Map<string, Promise<{ path: string; size: number; digest: string }>>();

  constructor(private readonly inner: ModelSource) {}

  get label(): string {
    return this.inner.label;
  }

  async fetchFile(path: string, options?: FetchOptions): Promise<Uint8Array | null> {
    const bytes = await this.inner.fetchFile(path, options);
    if (bytes && !this.files.has(path)) {
      const digest = fileDigest(bytes).then((digest) => ({ path, size: bytes.byteLength, digest }));
      digest.catch(() => undefined); // awaited (and its error reported) by identity()
      this.files.set(path, digest);
    }
    return bytes;
  }

  keep(path: string): Promise<void> {
    return this.inner.keep?.(path) ?? Promise.resolve();
  }

  discard(path: string): Promise<void> {
    return this.inner.discard?.(path) ?? Promise.resolve();
  }

  /** The identity of every file read so far. */
  async identity(): Promise<string> {
    return identityOf(await Promise.all(this.files.values()));
  }
}
