// Results the user waited for (evaluations, analyses, sweeps), kept in IndexedDB so a reload shows
// them without recomputing. Keyed by everything that determines them.
import { createStore, del, get, set } from 'idb-keyval';

export interface ResultKey {
  analysis: 'baseline' | 'masked' | 'patterns' | 'special' | 'drift' | 'sweep';
  /** The loaded model's content identity (ModelInfo.identity), never the Model field's text. */
  model: string;
  /** The second model, for drift: as asked for, with its Hub host (see AnalysisPanel). */
  base?: string;
  task: string;
  /** Examples used: the first `sample` of the dev set. */
  sample: number;
  /** Anything else that changes the result (masks, disable mode, sweep kind). */
  extra?: string;
}

const store = typeof indexedDB === 'undefined' ? null : createStore('head-atlas', 'results');

export function resultKeyString(k: ResultKey): string {
  // 'v2': results kept under v1 keys (the Model field's text) may belong to another model, so they are never read.
  return JSON.stringify(['v2', k.analysis, k.model, k.base ?? '', k.task, k.sample, k.extra ?? '']);
}

/** A stored result, or null (also when storage is unavailable or the entry unreadable). */
export async function loadResult<T>(k: ResultKey): Promise<T | null> {
  if (!store) return null;
  try {
    return ((await get(resultKeyString(k), store)) as T | undefined) ?? null;
  } catch {
    return null;
  }
}

export async function saveResult<T>(k: ResultKey, value: T): Promise<void> {
  if (!store) return;
  try {
    await set(resultKeyString(k), value, store);
  } catch {
    // Private mode or a full disk: the result stays on screen, it just is not kept.
  }
}

export async function deleteResult(k: ResultKey): Promise<void> {
  if (store) await del(resultKeyString(k), store).catch(() => undefined);
}
