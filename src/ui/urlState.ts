// The one place that owns the URL state: a typed table of properties, as tensorflow/playground
// keeps its state. Each property parses itself; a malformed value is reported and replaced by the
// default, never trusted.
import { DEFAULT_HUB_HOST } from '../engine/modelSource';
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

/** A model as text: `bundled:NAME`, or a Hub id `owner/name[@revision]`. */
const modelProp: Prop<string> = {
  key: 'model',
  fallback: 'bundled:tiny-bert-sst2',
  parse: (raw) => (/^(bundled:[\w.-]+|[A-Za-z0-9][\w.-]*(\/[\w.-]+)?(@[\w./-]+)?)$/.test(raw) && !raw.includes('..') ? raw : null),
  format: (v) => v,
};

const hostProp: Prop<string> = {
  key: 'hub',
  fallback: DEFAULT_HUB_HOST,
  parse: (raw) => {
    try {
      const url = new URL(raw);
      return url.protocol === 'https:' || url.protocol === 'http:' ? raw.replace(/\/+$/, '') : null;
    } catch {
      return null;
    }
  },
  format: (v) => v,
};

export const URL_SCHEMA = {
  model: modelProp,
  hubHost: hostProp,
  format: oneOf('format', Object.keys(WEIGHT_CHOICES) as WeightChoice[], 'auto'),
  backend: oneOf('backend', ['auto', 'webgpu', 'wasm'] as const, 'auto'),
  textA: text('a', 'the movie was not good , but the actors were great .'),
  textB: text('b', ''),
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
    if (state[name] !== prop.fallback) params.set(prop.key, prop.format(state[name]));
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}
