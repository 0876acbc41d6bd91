import type { ModelSpec } from '../engine/client';
import { parseHubId } from '../engine/modelSource';

/** The model field's text (`bundled:NAME` or a Hub id) as a spec the engine loads. */
export function specOfModelText(text: string, hubHost: string): ModelSpec {
  if (text.startsWith('bundled:')) return { kind: 'bundled', name: text.slice('bundled:'.length) };
  const { repo, revision } = parseHubId(text);
  return { kind: 'hub', repo, revision, host: hubHost };
}
