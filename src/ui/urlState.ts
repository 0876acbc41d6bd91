// The one place that owns the URL state: a typed table of properties, as tensorflow/playground
// keeps its state. Each property parses itself; a malformed value is reported and replaced by the
// default, never trusted. Values that depend on the model's shape (a head, a mask) are checked
// again once the model has loaded (see checkAgainstShape).
import { deflateSync, inflateSync, strFromU8, strToU8 } from 'fflate';
import { GLUE_TASKS } from '../analysis/glue';
import { CLASSIFIER_KINDS } from '../analysis/patternClassifier';
import { BUNDLED_NAME, DEFAULT_HUB_HOST } from '../engine/modelSource';
import { decodeHeadMask, encodeHeadMask, NO_MASK } from './headMask';
import { WEIGHT_CHOICES, type WeightChoice } from './modelText';

interface Prop<T> {
  key: string;
  fallback: T;
  parse(raw: string): T | null;
  format(value: T): string;
  /** A text's second key, holding it compressed (see packText). */
  packedKey?: string;
}

const MAX_TEXT = 4000;
/** The most characters a compressed text may unpack to (a few bytes can unpack to gigabytes). */
export const MAX_PACKED_TEXT = 20000;
/** The most characters a text may take in the link, plain or packed: two of them keep a link under ~8 KB. */
export const TEXT_LINK_BUDGET = 3500;
/** Names the texts that were too long to keep in the link: "a", "b" or "a,b". */
const CUT_KEY = 'cut';

/** The sample the analyses, scores and sweeps start with (the first n dev examples). */
export const DEFAULT_SAMPLE = 64;

const text = (key: string, fallback: string): Prop<string> => ({
  key,
  packedKey: `${key}z`,
  fallback,
  parse: (raw) => (raw.length <= MAX_TEXT ? raw : null),
  format: (v) => v,
});

/** A text as deflate-raw bytes in base64url: a long text in a link, at a third to a half of its length. */
export function packText(text: string): string {
  const bytes = deflateSync(strToU8(text), { level: 9 });
  let binary = '';
  // In slices: spreading a long array into fromCharCode overflows the stack.
  for (let i = 0; i < bytes.length; i += 4096) binary += String.fromCharCode(...bytes.subarray(i, i + 4096));
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** The text of packText, or null when it is not one or unpacks to more than MAX_PACKED_TEXT characters. */
export function unpackText(packed: string): string | null {
  if (!/^[A-Za-z0-9_-]{1,8000}$/.test(packed)) return null;
  try {
    const binary = atob(packed.replace(/-/g, '+').replace(/_/g, '/'));
    const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
    // UTF-8 takes at most 3 bytes per UTF-16 unit; one byte more tells an over-long text.
    const limit = MAX_PACKED_TEXT * 3 + 1;
    const out = inflateSync(bytes, { out: new Uint8Array(limit) });
    if (out.length >= limit) return null;
    const text = strFromU8(out);
    return text.length <= MAX_PACKED_TEXT ? text : null;
  } catch {
    return null;
  }
}

const oneOf = <T extends string>(key: string, values: readonly T[], fallback: T): Prop<T> => ({
  key,
  fallback,
  parse: (raw) => ((values as readonly string[]).includes(raw) ? (raw as T) : null),
  format: (v) => v,
});

const flag = (key: string): Prop<boolean> => ({
  key,
  fallback: false,
  parse: (raw) => (raw === '1' ? true : raw === '0' ? false : null),
  format: (v) => (v ? '1' : '0'),
});

const integer = (key: string, fallback: number, min: number, max: number): Prop<number> => ({
  key,
  fallback,
  parse: (raw) => (/^\d{1,6}$/.test(raw) && Number(raw) >= min && Number(raw) <= max ? Number(raw) : null),
  format: (v) => String(v),
});

/** A model as text: `bundled:NAME`, or a Hub id `owner/name[@revision]`. */
const model = (key: string, fallback: string): Prop<string> => ({
  key,
  fallback,
  parse: (raw) => ((raw.startsWith('bundled:') ? BUNDLED_NAME.test(raw.slice(8)) : /^[A-Za-z0-9][\w.-]*(\/[\w.-]+)?(@[\w./-]+)?$/.test(raw)) && !raw.includes('..') ? raw : null),
  format: (v) => v,
});

/** A Hub host without a user name or password (a link must never carry them), or null. */
export function hostWithoutCredentials(raw: string): string | null {
  try {
    const url = new URL(raw);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
    if (!url.username && !url.password) return raw.replace(/\/+$/, '');
    url.username = '';
    url.password = '';
    return url.href.replace(/\/+$/, '');
  } catch {
    return null;
  }
}

const hostProp: Prop<string> = {
  key: 'hub',
  fallback: DEFAULT_HUB_HOST,
  parse: hostWithoutCredentials,
  format: (v) => hostWithoutCredentials(v) ?? DEFAULT_HUB_HOST,
};

/** The selected head, 1-indexed "layer-head" as the paper labels heads (e.g. 7-6); null = none. */
export interface SelectedHead {
  layer: number;
  head: number;
}

const headProp: Prop<SelectedHead | null> = {
  key: 'head',
  fallback: null,
  parse: (raw) => {
    const m = /^(\d{1,2})-(\d{1,2})$/.exec(raw);
    if (!m || Number(m[1]) < 1 || Number(m[2]) < 1) return null;
    return { layer: Number(m[1]), head: Number(m[2]) };
  },
  format: (v) => (v ? `${v.layer}-${v.head}` : ''),
};

/** Disabled heads as the compact bitset of headMask.ts (kept as its text). */
const maskProp: Prop<string> = {
  key: 'mask',
  fallback: NO_MASK,
  parse: (raw) => {
    const mask = decodeHeadMask(raw);
    return mask ? encodeHeadMask(mask) : null;
  },
  format: (v) => v,
};

/** Disabled layers, 1-indexed, ascending: "3,7". */
const layersProp: Prop<number[]> = {
  key: 'layers-off',
  fallback: [],
  parse: (raw) => {
    if (!/^\d{1,2}(,\d{1,2}){0,23}$/.test(raw)) return null;
    const layers = [...new Set(raw.split(',').map(Number))].sort((a, b) => a - b);
    return layers.every((l) => l >= 1) ? layers : null;
  },
  format: (v) => v.join(','),
};

/** Special tokens the detail view leaves out. */
const hideProp: Prop<('cls' | 'sep')[]> = {
  key: 'hide',
  fallback: [],
  parse: (raw) => {
    const items = raw.split(',');
    if (!items.every((x) => x === 'cls' || x === 'sep')) return null;
    return (['cls', 'sep'] as const).filter((x) => items.includes(x));
  },
  format: (v) => v.join(','),
};

/** A sweep file to open by link: an http(s) URL, or a path relative to the app. */
const sweepUrlProp: Prop<string> = {
  key: 'sweep',
  fallback: '',
  parse: (raw) => {
    if (raw.length > 2000) return null;
    try {
      const url = new URL(raw, 'https://app.invalid/');
      return url.protocol === 'https:' || url.protocol === 'http:' ? raw : null;
    } catch {
      return null;
    }
  },
  format: (v) => v,
};

/** The side panels of the workspace, in tab order (see sidePanels.tsx). */
export const PANELS = ['patterns', 'special', 'drift', 'masking', 'sweep'] as const;
export type Panel = (typeof PANELS)[number];

/** The open side panel; `atlas` (older links, when the grid was a tab of its own) opens the first. */
const panelProp: Prop<Panel> = {
  key: 'panel',
  fallback: 'patterns',
  parse: (raw) => (raw === 'atlas' ? 'patterns' : (PANELS as readonly string[]).includes(raw) ? (raw as Panel) : null),
  format: (v) => v,
};

export const URL_SCHEMA = {
  model: model('model', 'bundled:micro-bert-sst2'),
  /** The pre-trained model that fine-tuning drift compares against. */
  baseModel: model('base', 'bundled:micro-bert'),
  hubHost: hostProp,
  format: oneOf('format', Object.keys(WEIGHT_CHOICES) as WeightChoice[], 'auto'),
  backend: oneOf('backend', ['auto', 'webgpu', 'wasm'] as const, 'auto'),
  textA: text('a', 'the movie was not good , but the actors were great .'),
  textB: text('b', ''),
  head: headProp,
  view: oneOf('view', ['map', 'lines'] as const, 'map'),
  aggregation: oneOf('agg', ['head', 'layer', 'all'] as const, 'head'),
  hide: hideProp,
  renormalise: flag('renorm'),
  mask: maskProp,
  layersOff: layersProp,
  disableMode: oneOf('mode', ['zero', 'uniform'] as const, 'zero'),
  panel: panelProp,
  task: oneOf('task', Object.keys(GLUE_TASKS), 'sst2'),
  /** Examples of the task's dev set the analyses and scores use: the first n, 0 = all. A small
   * sample by default, so a first run takes seconds; "all" is one click away. */
  sampleSize: integer('n', DEFAULT_SAMPLE, 0, 100000),
  /** Which classifier names pattern types (and made the pattern histogram): default, rules or the user's fitted one. */
  classifier: oneOf('classifier', CLASSIFIER_KINDS, 'default'),
  classroom: flag('classroom'),
  sweepUrl: sweepUrlProp,
};

type Schema = typeof URL_SCHEMA;
export type UrlState = { [K in keyof Schema]: Schema[K]['fallback'] };

export function defaultUrlState(): UrlState {
  return Object.fromEntries(Object.entries(URL_SCHEMA).map(([name, prop]) => [name, prop.fallback])) as UrlState;
}

/** Reads the state from a query string; `problems` says which values were malformed and replaced. */
export function readUrlState(search: string): { state: UrlState; problems: string[] } {
  const params = new URLSearchParams(search);
  const state = defaultUrlState() as Record<string, unknown>;
  const problems: string[] = [];
  for (const [name, prop] of Object.entries(URL_SCHEMA) as [string, Prop<unknown>][]) {
    const packed = prop.packedKey ? params.get(prop.packedKey) : null;
    if (packed !== null) {
      const text = unpackText(packed);
      if (text === null) problems.push(`The link's "${prop.packedKey}" value was not understood; using the default.`);
      else state[name] = text;
      continue;
    }
    const raw = params.get(prop.key);
    if (raw === null) continue;
    const value = prop.parse(raw);
    if (value === null) problems.push(`The link's "${prop.key}" value was not understood; using the default.`);
    else if (prop.key === 'hub' && value !== raw.replace(/\/+$/, '')) {
      problems.push('The link\'s Hub host held a user name or password; they were removed.');
      state[name] = value;
    } else state[name] = value;
  }
  const cut = params.get(CUT_KEY);
  if (cut !== null) {
    const names = cut.split(',').filter((k) => k === 'a' || k === 'b');
    if (names.length) problems.push(`The ${names.map((k) => `sentence ${k.toUpperCase()}`).join(' and ')} of this view was too long to keep in its link; paste ${names.length > 1 ? 'them' : 'it'} in again.`);
  }
  return { state: state as UrlState, problems };
}

/** The texts of a state too long to keep in a link, even compressed ("a", "b"). */
export function textsTooLongForLink(state: UrlState): string[] {
  return (Object.entries(URL_SCHEMA) as [keyof UrlState, Prop<unknown>][])
    .filter(([name, prop]) => prop.packedKey && linkText(state[name] as string) === null)
    .map(([, prop]) => prop.key);
}

/** How a text goes in a link: plain or packed, whichever is shorter; null when neither fits the budget. */
function linkText(text: string): { packed: boolean; value: string } | null {
  const plain = encodeURIComponent(text).length;
  if (plain <= 1000 && text.length <= MAX_TEXT) return { packed: false, value: text };
  if (text.length > MAX_PACKED_TEXT) return null;
  const packed = packText(text);
  if (plain <= packed.length && plain <= TEXT_LINK_BUDGET && text.length <= MAX_TEXT) return { packed: false, value: text };
  return packed.length <= TEXT_LINK_BUDGET ? { packed: true, value: packed } : null;
}

/** The query string for a state; defaults are left out, so links stay short. */
export function writeUrlState(state: UrlState): string {
  const params = new URLSearchParams();
  const cut: string[] = [];
  for (const [name, prop] of Object.entries(URL_SCHEMA) as [keyof UrlState, Prop<unknown>][]) {
    const value = prop.format(state[name]);
    if (value === prop.format(prop.fallback)) continue;
    if (!prop.packedKey) {
      params.set(prop.key, value);
      continue;
    }
    // A long text goes compressed; one too long even so is left out, and the link says so.
    const inLink = linkText(value);
    if (!inLink) cut.push(prop.key);
    else params.set(inLink.packed ? prop.packedKey : prop.key, inLink.value);
  }
  if (cut.length) params.set(CUT_KEY, cut.join(','));
  const s = params.toString();
  return s ? `?${s}` : '';
}

/**
 * Once a model of this shape has loaded: the parts of the state that do not fit it are replaced by
 * their defaults, and `problems` says which.
 */
export function checkAgainstShape(state: UrlState, layers: number, heads: number): { state: UrlState; problems: string[] } {
  const problems: string[] = [];
  let next = state;
  if (state.head && (state.head.layer > layers || state.head.head > heads)) {
    problems.push(`The link selects head ${state.head.layer}-${state.head.head}, but this model has ${layers} layers × ${heads} heads; no head is selected.`);
    next = { ...next, head: null };
  }
  if (state.mask !== NO_MASK) {
    const mask = decodeHeadMask(state.mask);
    if (!mask || mask.layers !== layers || mask.heads !== heads) {
      problems.push(`The link's head mask is for ${mask ? `${mask.layers} × ${mask.heads}` : 'another'} heads, not this model's ${layers} × ${heads}; no head is disabled.`);
      next = { ...next, mask: NO_MASK };
    }
  }
  if (state.layersOff.some((l) => l > layers)) {
    problems.push(`The link disables layers beyond this model's ${layers}; those are ignored.`);
    next = { ...next, layersOff: state.layersOff.filter((l) => l <= layers) };
  }
  return { state: next, problems };
}
