// The user's pattern labels, kept in IndexedDB (one list) so they survive reloads.
import { get, set } from 'idb-keyval';
import type { PatternLabel } from '../analysis/patternModel';

const KEY = 'head-atlas-pattern-labels';

export async function loadLabels(): Promise<PatternLabel[]> {
  try {
    return ((await get(KEY)) as PatternLabel[] | undefined) ?? [];
  } catch {
    return [];
  }
}

export async function saveLabels(labels: PatternLabel[]): Promise<void> {
  try {
    await set(KEY, labels);
  } catch {
    // Storage unavailable: the labels stay in the page until it closes; Export keeps them.
  }
}
