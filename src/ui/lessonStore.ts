// The lesson being edited, kept in IndexedDB so it survives reloads, with the one it last replaced
// (a lesson opened from a link, a file or the examples never silently throws the user's away).
import { get, set } from 'idb-keyval';
import { lessonToObject, validateLesson, type Lesson } from './lessons';

const KEY = 'head-atlas-lesson';

export interface StoredLessons {
  current: Lesson | null;
  previous: Lesson | null;
}

function read(raw: unknown): Lesson | null {
  try {
    return raw ? validateLesson(raw) : null;
  } catch {
    // A stored lesson this version cannot read is left as it was (never overwritten by a read).
    return null;
  }
}

/** The stored lessons; none where storage is unavailable (private mode, no IndexedDB). */
export async function loadLessons(): Promise<StoredLessons> {
  try {
    const stored = (await get(KEY)) as { current?: unknown; previous?: unknown } | undefined;
    return { current: read(stored?.current), previous: read(stored?.previous) };
  } catch {
    return { current: null, previous: null };
  }
}

/** Stores both lessons in their file form; rejects where storage is unavailable or full. */
export async function saveLessons(lessons: StoredLessons): Promise<void> {
  await set(KEY, {
    current: lessons.current ? lessonToObject(lessons.current) : null,
    previous: lessons.previous ? lessonToObject(lessons.previous) : null,
  });
}
