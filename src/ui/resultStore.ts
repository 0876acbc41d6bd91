// Results the user waited for (evaluations, analyses, sweeps), kept in IndexedDB so a reload shows
// them without recomputing. Keyed by everything that determines them.
import { createStore, del, get, set, update } from 'idb-keyval';

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

/** Keeps a result; rejects where storage is unavailable or full (see `unsavedOnce`). */
export async function saveResult<T>(k: ResultKey, value: T): Promise<void> {
  if (!store) throw new Error('this browser has no IndexedDB');
  await set(resultKeyString(k), value, store);
}

/**
 * Applies `change` to the stored result in one IndexedDB transaction and resolves to what was
 * stored, so two tabs writing one result (a sweep) each add to it and neither overwrites the other.
 */
export async function updateResult<T>(k: ResultKey, change: (stored: T | null) => T): Promise<T> {
  if (!store) throw new Error('this browser has no IndexedDB');
  let next: T | undefined;
  await update<T>(resultKeyString(k), (stored) => (next = change(stored ?? null)), store);
  return next!;
}

let unsavedReported = false;

/**
 * The message for a failed save, the first time in this page (private mode, a full disk, a
 * blocked database); null after that, so the user is told once, as with labels.
 */
export function unsavedOnce(e: unknown): string | null {
  if (unsavedReported) return null;
  unsavedReported = true;
  return `Results could not be saved in this browser (${(e as Error)?.message ?? String(e)}). They stay on this page until it closes; Export keeps them.`;
}

export async function deleteResult(k: ResultKey): Promise<void> {
  if (store) await del(resultKeyString(k), store).catch(() => undefined);
}
