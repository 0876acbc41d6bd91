// The user's pattern labels, kept in IndexedDB (one list) so they survive reloads.
import { get, update } from 'idb-keyval';
import type { PatternLabel } from '../analysis/patternModel';

const KEY = 'head-atlas-pattern-labels';

/** The stored labels; none where storage is unavailable (private mode, no IndexedDB). */
export async function loadLabels(): Promise<PatternLabel[]> {
  try {
    return ((await get(KEY)) as PatternLabel[] | undefined) ?? [];
  } catch {
    return [];
  }
}

/**
 * Applies `change` to the stored list in one transaction and resolves to the list as stored, so a
 * page (or another tab) holding an older copy never overwrites labels it has not seen. Rejects
 * where storage is unavailable or full (async, so that is a rejection, never a throw).
 */
export async function changeLabels(change: (stored: PatternLabel[]) => PatternLabel[]): Promise<PatternLabel[]> {
  let next: PatternLabel[] = [];
  await update<PatternLabel[]>(KEY, (stored) => (next = change(stored ?? [])));
  return next;
}
