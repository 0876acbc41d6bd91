// The user's pattern labels, kept in IndexedDB (one list) so they survive reloads.
import { get, update } from 'idb-keyval';
import type { PatternLabel } from '../analysis/patternModel';

const KEY = 'head-atlas-pattern-labels';

// Where storage is unavailable (private mode, a full disk) the labels live here until the page closes.
let unstored: PatternLabel[] = [];

export async function loadLabels(): Promise<PatternLabel[]> {
  try {
    return ((await get(KEY)) as PatternLabel[] | undefined) ?? [];
  } catch {
    return unstored;
  }
}

/**
 * Applies `change` to the stored list in one transaction and returns the list as stored, so a
 * page (or another tab) holding an older copy never overwrites labels it has not seen.
 */
export async function changeLabels(change: (stored: PatternLabel[]) => PatternLabel[]): Promise<PatternLabel[]> {
  let next: PatternLabel[] = [];
  try {
    await update<PatternLabel[]>(KEY, (stored) => (next = change(stored ?? [])));
    return next;
  } catch {
    unstored = change(unstored);
    return unstored;
  }
}
