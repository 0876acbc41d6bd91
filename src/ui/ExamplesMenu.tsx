import { useEffect, useState } from 'react';
import { GLUE_TASK_KEYS, GLUE_TASKS, taskExamples, type GlueExample, type GlueTaskKey } from '../analysis/glue';
import { loadTaskExamples } from './taskData';

/** Hand-picked sentences that show the paper's patterns, and [MASK] sentences for masked-LM models. */
export const HAND_PICKED: { label: string; textA: string; textB: string }[] = [
  { label: 'negation and contrast', textA: 'the movie was not good , but the actors were great .', textB: '' },
  { label: 'fill a [MASK]', textA: 'the cat sat on the [MASK] .', textB: '' },
  { label: 'two [MASK]s', textA: 'she went to the [MASK] to buy some [MASK] .', textB: '' },
  { label: 'a sentence pair', textA: 'a man is playing a guitar .', textB: 'someone is making music .' },
  { label: 'long sentence', textA: 'when the old bridge finally closed , the people of the town had to drive an hour around the lake to reach the market , and many of them simply stopped going .', textB: '' },
];

const SHIPPED = GLUE_TASK_KEYS.filter((k) => GLUE_TASKS[k].dataPath);
const PER_TASK = 12;

function labelText(key: GlueTaskKey, e: GlueExample): string {
  const task = GLUE_TASKS[key];
  return task.regression ? `score ${e.label.toFixed(1)}` : task.classNames[e.label] ?? String(e.label);
}

/** A menu of examples: hand-picked ones, and dev-set examples of each GLUE task (fetched when picked). */
export function ExamplesMenu({ onPick, onError }: { onPick(textA: string, textB: string): void; onError(message: string): void }) {
  const [source, setSource] = useState<'hand' | GlueTaskKey>('hand');
  const [examples, setExamples] = useState<GlueExample[]>([]);
  useEffect(() => {
    if (source === 'hand') return;
    let live = true;
    loadTaskExamples(source)
      .then((all) => live && setExamples(taskExamples(GLUE_TASKS[source], all, PER_TASK)))
      .catch((e) => live && onError((e as Error).message));
    return () => {
      live = false;
    };
  }, [source]);
  const items = source === 'hand' ? HAND_PICKED.map((h) => ({ label: h.label, textA: h.textA, textB: h.textB })) : examples.map((e) => ({ label: `#${e.index + 1} (${labelText(source, e)}): ${e.textA}${e.textB ? ` / ${e.textB}` : ''}`, textA: e.textA, textB: e.textB ?? '' }));
  return (
    <div className="examples-menu">
      <label>
        Examples
        <select name="example-source" value={source} onChange={(e) => { setExamples([]); setSource(e.target.value as 'hand' | GlueTaskKey); }}>
          <option value="hand">hand-picked</option>
          {SHIPPED.map((k) => (
            <option key={k} value={k}>
              {GLUE_TASKS[k].name} dev
            </option>
          ))}
        </select>
      </label>
      <select
        name="example"
        aria-label="Example"
        value=""
        onChange={(e) => {
          const item = items[Number(e.target.value)];
          if (item) onPick(item.textA, item.textB);
        }}
      >
        <option value="">{source !== 'hand' && !examples.length ? 'loading…' : `pick one of ${items.length}`}</option>
        {items.map((item, i) => (
          <option key={i} value={i}>
            {item.label.length > 110 ? `${item.label.slice(0, 107)}…` : item.label}
          </option>
        ))}
      </select>
    </div>
  );
}
