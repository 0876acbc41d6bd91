import { useEffect, useMemo, useState } from 'react';
import { GLUE_TASK_KEYS, GLUE_TASKS, isGlueTaskKey, parseGlueTsv, type GlueExample, type GlueTaskKey } from '../analysis/glue';
import { chanceHint, defaultLabelMapping } from '../analysis/labelMapping';
import { compareMasked, taskPredictions } from '../analysis/maskingScores';
import type { Masks } from '../engine/bertRunner';
import { newJobId } from '../engine/client';
import { fileDigest } from '../engine/modelIdentity';
import { ColorLegend } from './ColorLegend';
import { colourOf, deltaDomain, textOn } from './colorScale';
import { loadResult, saveResult, unsavedOnce, type ResultKey } from './resultStore';
import { SampleControl } from './SampleControl';
import { formatDuration, recordRate, secondsLeft } from './throughput';
import { SweepPanel } from './SweepPanel';
import { TextFileButton } from './TextFileButton';
import { loadTaskExamples } from './taskData';
import type { PanelProps } from './panelProps';

interface Props extends PanelProps {
  /** The model's current head and layer masks (null = none). */
  masks: Masks | null;
  /** The masked model's scores, or the ablation sweep (both on the same task and sample). */
  view: 'mask' | 'sweep';
}

interface Evaluation {
  logits: Float32Array;
  numLabels: number;
  done: number;
  /** Seconds left, from this run's pace (only while it runs). */
  left?: number | null;
}

function emptyEvaluation(n: number, numLabels: number): Evaluation {
  return { logits: new Float32Array(n * numLabels).fill(NaN), numLabels, done: 0 };
}

const fmt = (v: number) => (Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(3));

/** Live masking: the task score of the masked model and its delta against the unmasked baseline, as batches finish. */
export function MaskingPanel({ client, model, state, setState, report, masks, view }: Props) {
  const taskKey: GlueTaskKey = isGlueTaskKey(state.task) ? state.task : 'sst2';
  const task = GLUE_TASKS[taskKey];
  const [examples, setExamples] = useState<GlueExample[] | null>(null);
  // A TSV the user opened: its results are keyed by its content, not its name.
  const [userFile, setUserFile] = useState<{ name: string; digest: string } | null>(null);
  const [baseline, setBaseline] = useState<Evaluation | null>(null);
  const [masked, setMasked] = useState<Evaluation | null>(null);
  const [mappingEdit, setMappingEdit] = useState<number[] | null>(null);

  // The task's dev set (shipped), unless the user opened a TSV for it.
  useEffect(() => {
    setExamples(null);
    setUserFile(null);
    if (!task.dataPath) return;
    let live = true;
    loadTaskExamples(taskKey).then((all) => live && setExamples(all), (e) => live && report((e as Error).message));
    return () => {
      live = false;
    };
  }, [taskKey]);

  const sample = useMemo(() => (examples ? (state.sampleSize > 0 ? examples.slice(0, state.sampleSize) : examples) : null), [examples, state.sampleSize]);
  const labels = useMemo(() => sample?.map((e) => e.label) ?? [], [sample]);
  const numLabels = model.shape.numLabels;
  const modelFits = model.head === 'sequence-classification' && (task.regression ? numLabels === 1 : numLabels === task.classNames.length);
  // Only a model that fits the task gets a mapping: one row per output, a few at most.
  const auto = useMemo(() => (modelFits ? defaultLabelMapping(model.shape.labels, state.model, task, numLabels) : { mapping: [] as number[], note: '' }), [model, state.model, taskKey, modelFits]);
  const mapping = mappingEdit ?? auto.mapping;
  const maskKey = masks ? JSON.stringify([Array.from(masks.heads ?? []), Array.from(masks.layers ?? []), masks.mode]) : '';
  const key = (analysis: ResultKey['analysis']): ResultKey => ({ analysis, model: model.identity, task: `${taskKey}${userFile ? `:tsv-${userFile.digest}` : ''}`, sample: sample?.length ?? 0, extra: analysis === 'masked' ? maskKey : undefined });

  // Evaluates the sample (baseline or masked), streaming batch logits into state; a newer run cancels this one.
  const evaluate = (which: 'baseline' | 'masked', runMasks: Masks | undefined, set: (e: Evaluation | null) => void) => {
    if (!sample || !modelFits) return () => undefined;
    let live = true;
    const jobId = newJobId('mask-eval');
    let finished = false;
    (async () => {
      const stored = await loadResult<Evaluation>(key(which));
      if (!live) return;
      if (stored && stored.done === sample.length) return set(stored);
      const acc = emptyEvaluation(sample.length, numLabels);
      set({ ...acc });
      const started = performance.now();
      try {
        await client.evaluate(model.id, sample, { masks: runMasks, jobId, batchSize: 32 }, (done, _total, batch) => {
          if (!live || !batch) return;
          batch.indices.forEach((example, row) => acc.logits.set(batch.logits.subarray(row * batch.numLabels, (row + 1) * batch.numLabels), example * batch.numLabels));
          acc.done = done;
          const elapsed = (performance.now() - started) / 1000;
          recordRate(`evaluate:${model.id}`, done, elapsed);
          set({ ...acc, logits: acc.logits.slice(), left: done < sample.length ? secondsLeft(done, sample.length, elapsed) : null });
        });
        finished = true;
        if (live) {
          await saveResult(key(which), { logits: acc.logits, numLabels: acc.numLabels, done: acc.done }).catch((e) => {
            const message = unsavedOnce(e);
            if (message) report(message);
          });
        }
      } catch (e) {
        finished = true;
        if (live && (e as { code?: string }).code !== 'cancelled') report((e as Error).message);
      }
    })();
    return () => {
      live = false;
      // Only a job still running is cancelled (a finished one needs nothing).
      if (!finished) void client.cancel(jobId);
    };
  };

  // The sweep scores its own baseline, so its tab runs neither evaluation.
  useEffect(() => (view === 'mask' ? evaluate('baseline', undefined, setBaseline) : undefined), [sample, model.id, modelFits, view]);
  useEffect(() => {
    setMasked(null);
    if (!masks || view !== 'mask') return;
    return evaluate('masked', masks, setMasked);
  }, [sample, model.id, modelFits, maskKey, view]);

  const comparison = useMemo(() => {
    if (!baseline || !sample) return null;
    const base = taskPredictions(baseline.logits, baseline.numLabels, task, mapping);
    const mask = masked ? taskPredictions(masked.logits, masked.numLabels, task, mapping) : null;
    const result = compareMasked(task, labels, base, mask);
    return result && { ...result, predictions: { base, mask } };
  }, [baseline, masked, mapping, labels]);
  const hint = comparison && !masked ? chanceHint(comparison.baseline.headline.value, task, labels) : null;

  return (
    <section className="masking-panel" aria-label={view === 'mask' ? 'Task scores with heads switched off' : 'Ablation sweep'}>
      <div className="panel-controls">
        <label>
          Task
          <select name="task" value={taskKey} onChange={(e) => { setMappingEdit(null); setState((s) => ({ ...s, task: e.target.value })); }}>
            {GLUE_TASK_KEYS.map((k) => (
              <option key={k} value={k}>
                {GLUE_TASKS[k].name}
                {GLUE_TASKS[k].dataPath ? '' : ' (your file)'}
              </option>
            ))}
          </select>
        </label>
        <SampleControl name="sample-size" value={state.sampleSize} total={examples?.length ?? null} onChange={(n) => setState((s) => ({ ...s, sampleSize: n }))} rateKey={`evaluate:${model.id}`} />
        <TextFileButton
          label="open a GLUE-format TSV…"
          name="task-file"
          accept=".tsv,.txt"
          onError={report}
          onText={async (text, fileName) => {
            const parsed = parseGlueTsv(text, task, { fileName });
            const digest = await fileDigest(new TextEncoder().encode(text));
            setExamples(parsed);
            setUserFile({ name: fileName, digest });
            report(`Scoring ${task.name} on ${fileName} from your disk. Local files are not part of the page's link.`, 'notice');
          }}
        />
        {task.dataNote && !userFile && <span className="hint">{task.dataNote}</span>}
      </div>
      {!modelFits && (
        <p className="notice" role="status">
          {model.head !== 'sequence-classification'
            ? `${model.label} has no classification head, so it cannot be scored on a task. Load a fine-tuned model (e.g. bundled:micro-bert-sst2 or textattack/bert-base-uncased-SST-2).`
            : `${model.label} has ${numLabels} output(s); ${task.name} needs ${task.regression ? 1 : task.classNames.length}.`}
        </p>
      )}
      {modelFits && !task.regression && (
        <details className="label-mapping-menu">
          <summary>
            Outputs → {task.name} labels: {mapping.map((cls, output) => `${model.shape.labels?.[output] ?? `LABEL_${output}`} → ${task.classNames[cls]}`).join(', ')}
          </summary>
        <div className="label-mapping" role="group" aria-label="Label mapping">
          <span className="hint">{mappingEdit ? 'Edited by you.' : auto.note}</span>
          {mapping.map((cls, output) => (
            <label key={output}>
              {model.shape.labels?.[output] ?? `LABEL_${output}`} →
              <select name={`map-${output}`} value={cls} onChange={(e) => setMappingEdit(mapping.map((c, i) => (i === output ? Number(e.target.value) : c)))}>
                {task.classNames.map((name, c) => (
                  <option key={c} value={c}>
                    {name}
                  </option>
                ))}
              </select>
            </label>
          ))}
        </div>
        </details>
      )}
      {view === 'mask' && hint && <p className="notice" role="status">{hint}</p>}
      {view === 'mask' && baseline && sample && (
        <div className="progress-line num" data-testid="masking-progress">
          baseline {baseline.done}/{sample.length}
          {baseline.left != null && ` (${formatDuration(baseline.left)} left)`}
          {masked && ` · masked ${masked.done}/${sample.length}`}
          {masked?.left != null && ` (${formatDuration(masked.left)} left)`}
          {(baseline.done < sample.length || (masked && masked.done < sample.length)) && <progress value={baseline.done + (masked?.done ?? 0)} max={sample.length * (masked ? 2 : 1)} aria-label="Scoring progress" />}
          {masks ? '' : <span className="hint"> · Switch heads off in the grid (Shift+click or X) to see how much they matter.</span>}
        </div>
      )}
      {view === 'mask' && comparison?.masked && comparison.delta && (
        <div className="delta-card" data-testid="delta-card">
          <span className="num big">
            {fmt(comparison.baseline.headline.value)} → {fmt(comparison.masked.headline.value)}
          </span>
          <span className="delta-pill num" style={{ background: colourOf({ kind: 'delta', domain: deltaDomain([comparison.delta.low, comparison.delta.high, comparison.delta.value]) }, comparison.delta.value), color: textOn({ kind: 'delta', domain: deltaDomain([comparison.delta.low, comparison.delta.high, comparison.delta.value]) }, comparison.delta.value) }}>
            Δ {comparison.delta.value >= 0 ? '+' : ''}
            {fmt(comparison.delta.value)}
          </span>
          <ColorLegend scale={{ kind: 'delta', domain: deltaDomain([comparison.delta.low, comparison.delta.high, comparison.delta.value]) }} title={`Δ ${comparison.baseline.headline.name}`} ends={['hurts', 'helps']} width={110} />
        </div>
      )}
      {view === 'mask' && comparison && (
        <table className="scores" aria-label="Task scores" data-testid="task-scores">
          <thead>
            <tr>
              <th>{task.name}, {comparison.n} of {comparison.total} examples</th>
              <th>unmasked</th>
              {comparison.masked && <th>masked</th>}
              {comparison.masked && <th>Δ (95% CI)</th>}
            </tr>
          </thead>
          <tbody>
            {comparison.baseline.scores.map((s, i) => {
              const m = comparison.masked?.scores[i];
              const headline = s.metric === task.headline;
              return (
                <tr key={s.metric} className={headline ? 'headline' : ''} data-metric={s.metric}>
                  <th>{s.name}</th>
                  <td data-testid={headline ? 'baseline-score' : undefined} title={s.undefinedReason}>{fmt(s.value)}{s.undefinedReason ? ' (undefined)' : ''}</td>
                  {m && <td data-testid={headline ? 'masked-score' : undefined}>{fmt(m.value)}</td>}
                  {m && <td data-testid={headline ? 'score-delta' : undefined}>{headline && comparison.delta ? `${comparison.delta.value >= 0 ? '+' : ''}${fmt(comparison.delta.value)} [${fmt(comparison.delta.low)}, ${fmt(comparison.delta.high)}]` : `${m.value - s.value >= 0 ? '+' : ''}${fmt(m.value - s.value)}`}</td>}
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {view === 'mask' && comparison && comparison.masked && sample && (
        <details className="flipped" open={comparison.flipped.length > 0 && comparison.flipped.length <= 20}>
          <summary data-testid="flipped-count">
            {comparison.flipped.length} {task.regression ? 'examples moved most' : `prediction${comparison.flipped.length === 1 ? '' : 's'} flipped`}
          </summary>
          <ol>
            {comparison.flipped.slice(0, 200).map((i) => {
              const e = sample[i];
              const name = (v: number) => (task.regression ? v.toFixed(2) : task.classNames[v] ?? '?');
              const b = comparison.predictions.base[i];
              const m = comparison.predictions.mask![i];
              return (
                <li key={i}>
                  <button type="button" className="link" onClick={() => setState((s) => ({ ...s, textA: e.textA, textB: e.textB ?? '' }))}>
                    #{e.index + 1}: {e.textA}
                    {e.textB ? ` / ${e.textB}` : ''}
                  </button>{' '}
                  gold {name(e.label)}, unmasked {name(b)}, masked {name(m)}
                </li>
              );
            })}
          </ol>
        </details>
      )}
      {view === 'sweep' && modelFits && sample && sample.length > 0 && <SweepPanel client={client} model={model} state={state} task={task} sample={sample} first={sample.length < (examples?.length ?? 0)} mapping={mapping} report={report} />}
    </section>
  );
}
