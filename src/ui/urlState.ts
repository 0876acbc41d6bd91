// The one place that owns the URL state: a typed table of properties, as tensorflow/playground
// keeps its state. Each property parses itself; a malformed value is reported and replaced by the
// default, never trusted. Values that depend on the model's shape (a head, a mask) are checked
// again once the model has loaded (see checkAgainstShape).
import { GLUE_TASKS } from '../analysis/glue';
import { BUNDLED_NAME, DEFAULT_HUB_HOST } from '../engine/modelSource';
import { decodeHeadMask, encodeHeadMask, NO_MASK } from './headMask';
import { WEIGHT_CHOICES, type WeightChoice } from './modelText';

interface Prop<T> {
  key: string;
  fallback: T;
  parse(raw: string): T | null;
  format(value: T): string;
}

const MAX_TEXT = 4000;

const text = (key: string, fallback: string): Prop<string> => ({
  key,
  fallback,
  parse: (raw) => (raw.length <= MAX_TEXT ? raw : null),
  format: (v) => v,
});

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

const hostProp: Prop<string> = {
  key: 'hub',
  fallback: DEFAULT_HUB_HOST,
  parse: (raw) => {
    try {
      const url = new URL(raw);
      // A host with credentials is refused: a link must never carry (or show) a password.
      if (url.username || url.password) return null;
      return url.protocol === 'https:' || url.protocol === 'http:' ? raw.replace(/\/+$/, '') : null;
    } catch {
      return null;
    }
  },
  format: (v) => v,
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

export const PANELS = ['atlas', 'patterns', 'special', 'drift', 'masking'] as const;
export type Panel = (typeof PANELS)[number];

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
  panel: oneOf('panel', PANELS, 'atlas'),
  task: oneOf('task', Object.keys(GLUE_TASKS), 'sst2'),
  /** Examples of the task's dev set the analyses and scores use: the first n, 0 = all. */
  sampleSize: integer('n', 0, 0, 100000),
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
    const raw = params.get(prop.key);
    if (raw === null) continue;
    const value = prop.parse(raw);
    if (value === null) problems.push(`The link's "${prop.key}" value was not understood; using the default.`);
    else state[name] = value;
  }
  return { state: state as UrlState, problems };
}

/** The query string for a state; defaults are left out, so links stay short. */
export function writeUrlState(state: UrlState): string {
  const params = new URLSearchParams();
  for (const [name, prop] of Object.entries(URL_SCHEMA) as [keyof UrlState, Prop<unknown>][]) {
    const value = prop.format(state[name]);
    if (value !== prop.format(prop.fallback)) params.set(prop.key, value);
  }
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
