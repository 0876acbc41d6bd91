// Disabled heads as a compact bitset, so a 12 × 12 mask adds ~30 characters to a link:
// "LxH.<base64url>", bit (layer·H + head) set = head disabled, trailing zero bytes dropped.

export interface HeadMask {
  layers: number;
  heads: number;
  /** Row-major [layers × heads]; true = disabled. */
  disabled: boolean[];
}

export const NO_MASK = '';

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

function toBase64Url(bytes: number[]): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    const chars = Math.ceil(((Math.min(3, bytes.length - i)) * 8) / 6);
    for (let k = 0; k < chars; k++) out += B64[(n >> (18 - 6 * k)) & 63];
  }
  return out;
}

function fromBase64Url(text: string): number[] | null {
  const bytes: number[] = [];
  let acc = 0;
  let bits = 0;
  for (const ch of text) {
    const v = B64.indexOf(ch);
    if (v < 0) return null;
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes.push((acc >> bits) & 255);
    }
  }
  return bytes;
}

export function emptyMask(layers: number, heads: number): HeadMask {
  return { layers, heads, disabled: new Array(layers * heads).fill(false) };
}

export function countDisabled(mask: HeadMask): number {
  return mask.disabled.filter(Boolean).length;
}

/** The link form of a mask; '' when no head is disabled. */
export function encodeHeadMask(mask: HeadMask): string {
  const bytes = new Array(Math.ceil((mask.layers * mask.heads) / 8)).fill(0);
  mask.disabled.forEach((off, i) => {
    if (off) bytes[i >> 3] |= 1 << (i & 7);
  });
  while (bytes.length && bytes[bytes.length - 1] === 0) bytes.pop();
  return bytes.length ? `${mask.layers}x${mask.heads}.${toBase64Url(bytes)}` : NO_MASK;
}

/** Parses the link form; null when it is malformed (wrong shape syntax, bad characters, too many bits). */
export function decodeHeadMask(text: string): HeadMask | null {
  if (text === NO_MASK) return null;
  const m = /^(\d{1,2})x(\d{1,2})\.([A-Za-z0-9_-]{1,64})$/.exec(text);
  if (!m) return null;
  const layers = Number(m[1]);
  const heads = Number(m[2]);
  if (layers < 1 || heads < 1) return null;
  const bytes = fromBase64Url(m[3]);
  if (!bytes || bytes.length > Math.ceil((layers * heads) / 8)) return null;
  const mask = emptyMask(layers, heads);
  for (let i = 0; i < bytes.length * 8; i++) {
    if (!(bytes[i >> 3] & (1 << (i & 7)))) continue;
    if (i >= layers * heads) return null;
    mask.disabled[i] = true;
  }
  return mask;
}

/** The engine's keep-mask (1 keeps a head) for a model of this shape, or null when the shapes differ. */
export function keepValues(mask: HeadMask, layers: number, heads: number): number[] | null {
  if (mask.layers !== layers || mask.heads !== heads) return null;
  return mask.disabled.map((off) => (off ? 0 : 1));
}
