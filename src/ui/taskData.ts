// The shipped GLUE dev sets, fetched once per page and parsed by the analysis module's rules.
import { GLUE_TASKS, parseGlueTsv, type GlueExample, type GlueTaskKey } from '../analysis/glue';

const cache = new Map<GlueTaskKey, Promise<GlueExample[]>>();

export function loadTaskExamples(key: GlueTaskKey): Promise<GlueExample[]> {
  const task = GLUE_TASKS[key];
  if (!task.dataPath) return Promise.reject(new Error(`${task.name} has no dev set shipped with the app; open a GLUE-format TSV of it instead.`));
  let pending = cache.get(key);
  if (!pending) {
    pending = fetch(new URL(task.dataPath, document.baseURI)).then(async (r) => {
      if (!r.ok) throw new Error(`Could not read ${task.dataPath} (HTTP ${r.status}).`);
      return parseGlueTsv(await r.text(), task, { fileName: task.dataPath });
    });
    pending.catch(() => cache.delete(key));
    cache.set(key, pending);
  }
  return pending;
}
