import { useEffect, useRef, useState } from 'react';
import type { AnalysisResult } from '../analysis/analyseBatch';
import { GLUE_TASK_KEYS, GLUE_TASKS, isGlueTaskKey, type GlueExample, type GlueTaskKey } from '../analysis/glue';
import { CLASSIFIER_KINDS, CLASSIFIER_NAMES, type ClassifierKind } from '../analysis/patternClassifier';
import { PATTERN_TYPES, type PatternType } from '../analysis/patterns';
import { SPECIAL_TOKEN_CLASSES } from '../analysis/specialTokens';
import { newJobId } from '../engine/client';
import { downloadFile, exportFileName } from './exporters';
import { HeadTable } from './HeadTable';
import { SampleControl } from './SampleControl';
import { estimateSeconds, formatDuration, recordRate, secondsLeft } from './throughput';
import { LayerCurves } from './LayerCurves';
import { loadedModelName, specOfModelText } from './modelText';
import { loadResult, saveResult, unsavedOnce, type ResultKey } from './resultStore';
import { loadTaskExamples } from './taskData';
import type { PanelProps } from './panelProps';
import { activeClassifier } from './userPatternModel';

interface Props extends PanelProps {
  highlight: PatternType | null;
  onHighlight(type: PatternType | null): void;
  onResult(result: AnalysisResult | null): void;
  /** The user's fitted pattern classifier (JSON), used where the link's classifier is `user`; or null. */
  patternModelJson: string | null;
  /** Loads another model as the one analysed (for the paper's pairs). */
  onLoadModel(modelText: string): void;
}

/** The pairs the paper compares, and the embedded one: fine-tuned model, and the pre-trained model it started from. */
export const MODEL_PAIRS: { label: string; model: string; base: string }[] = [
  { label: 'micro-bert-sst2 against micro-bert (embedded, offline)', model: 'bundled:micro-bert-sst2', base: 'bundled:micro-bert' },
  ...['SST-2', 'MRPC', 'STS-B', 'QQP', 'RTE', 'QNLI', 'MNLI'].map((t) => ({ label: `textattack ${t} against bert-base-uncased (Hub, 440 MB each)`, model: `textattack/bert-base-uncased-${t}`, base: 'google-bert/bert-base-uncased' })),
];

interface Stored {
  result: AnalysisResult;
  sample: number;
  base: string | null;
  /** Which classifier made the pattern histogram ('fitted' in results stored before issue 13: the user's). */
  classifier: ClassifierKind | 'fitted';
}

/** A short fingerprint of the user's model, so results of two different fitted models are stored apart. */
function fingerprint(text: string): string {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return (h >>> 0).toString(36);
}

const CLASS_NAMES: Record<(typeof SPECIAL_TOKEN_CLASSES)[number], string> = { cls: '[CLS]', sep: '[SEP]', punctuation: 'punctuation', negation: 'negation' };
const pct = (v: number) => `${(v * 100).toFixed(1)}%`;

/** Pattern types, attention to special tokens and fine-tuning drift over a task sample (the paper's §4.1–4.4). */
export function AnalysisPanel({ client, model, state, setState, report, highlight, onHighlight, onResult, patternModelJson, onLoadModel }: Props) {
  const taskKey: GlueTaskKey = isGlueTaskKey(state.task) && GLUE_TASKS[state.task].dataPath ? state.task : 'sst2';
  const [examples, setExamples] = useState<GlueExample[] | null>(null);
  const [stored, setStored] = useState<Stored | null>(null);
  const [progress, setProgress] = useState<{ done: number; total: number; left?: number | null } | null>(null);
  // Special-token tables: one scale for all four (comparable), or each to its own maximum (detail).
  const [scaling, setScaling] = useState<'shared' | 'each'>('shared');
  const [baseText, setBaseText] = useState(state.baseModel);
  /** The analysis in progress (a page-unique job id), or null. */
  const job = useRef<string | null>(null);
  const loadedBase = useRef<{ client: unknown; text: string; host: string; id: string } | null>(null);
  const sample = examples ? (state.sampleSize > 0 ? examples.slice(0, state.sampleSize) : examples) : null;
  const active = activeClassifier(state.classifier, patternModelJson);
  const classifier = active.kind;
  const userJson = classifier === 'user' ? patternModelJson : null;
  // The base is keyed as asked for, with its Hub host: it is loaded (and identified) only when a run starts.
  const baseRef = state.baseModel.startsWith('bundled:') ? state.baseModel : `${state.hubHost}|${state.baseModel}`;
  const key: ResultKey = { analysis: 'patterns', model: model.identity, base: baseRef, task: taskKey, sample: sample?.length ?? 0, extra: userJson ? `user-${fingerprint(userJson)}` : classifier };

  useEffect(() => {
    let live = true;
    loadTaskExamples(taskKey).then((all) => live && setExamples(all), (e) => live && report((e as Error).message));
    return () => {
      live = false;
    };
  }, [taskKey]);

  // Stored results show at once; nothing is recomputed until the user asks.
  useEffect(() => {
    let live = true;
    setStored(null);
    onResult(null);
    if (!sample) return;
    void loadResult<Stored>(key).then((r) => {
      if (live && r) {
        setStored(r);
        onResult(r.result);
      }
    });
    return () => {
      live = false;
    };
  }, [JSON.stringify(key)]);

  const run = async () => {
    if (!sample) return;
    const jobId = newJobId('analyse');
    job.current = jobId;
    try {
      let baseId: string | null = null;
      if (state.baseModel && state.baseModel !== state.model) {
        setProgress({ done: 0, total: sample.length });
        // The base model stays loaded in the engine: a second run does not build its session again.
        const loaded = loadedBase.current;
        if (loaded && loaded.client === client && client.isLoaded(loaded.id) && loaded.text === state.baseModel && loaded.host === state.hubHost) baseId = loaded.id;
        else {
          baseId = (await client.load(specOfModelText(state.baseModel, state.hubHost), { format: 'auto', jobId: `${jobId}-load` })).id;
          // The base model it replaces is freed in the worker.
          if (loaded && loaded.client === client) void client.unload(loaded.id);
          loadedBase.current = { client, text: state.baseModel, host: state.hubHost, id: baseId };
        }
      }
      setProgress({ done: 0, total: sample.length });
      const started = performance.now();
      const result = await client.analyse(model.id, sample, { baseModelId: baseId, jobId, classifier, patternModelJson: userJson }, (done, total, partial) => {
        if (job.current !== jobId) return;
        const elapsed = (performance.now() - started) / 1000;
        recordRate(`analyse:${model.id}`, done, elapsed);
        setProgress({ done, total, left: secondsLeft(done, total, elapsed) });
        setStored({ result: partial, sample: sample.length, base: baseId ? state.baseModel : null, classifier });
        onResult(partial);
      });
      const final: Stored = { result, sample: sample.length, base: baseId ? state.baseModel : null, classifier };
      setStored(final);
      onResult(result);
      await saveResult(key, final).catch((e) => {
        const message = unsavedOnce(e);
        if (message) report(message);
      });
    } catch (e) {
      if ((e as { code?: string }).code !== 'cancelled') report((e as Error).message);
    } finally {
      if (job.current === jobId) job.current = null;
      setProgress(null);
    }
  };
  const cancel = () => {
    if (job.current) void client.cancel(job.current);
    job.current = null;
    setProgress(null);
  };

  const r = stored?.result ?? null;
  const named = loadedModelName(model);
  const estimateFor = (n: number) => {
    const s = estimateSeconds(`analyse:${model.id}`, n);
    return s === null ? null : formatDuration(s);
  };
  const specialMax = r ? Math.max(0.05, ...SPECIAL_TOKEN_CLASSES.flatMap((c) => r.special.classes[c].mean?.flat() ?? [])) : 1;
  const exportJson = () => downloadFile(exportFileName({ model: named.model, kind: `analyses-${taskKey}-${stored!.sample}`, ext: 'json' }), JSON.stringify({ format: 'head-atlas-analyses', version: 1, model: named.model, revision: named.revision, host: named.host, modelIdentity: named.identity, base: stored!.base, task: taskKey, sample: stored!.sample, classifier: stored!.classifier, ...r }, null, 1), 'application/json');
  const exportCsv = () => {
    const rows = ['analysis,measure,layer,head,value'];
    r!.patterns.perHead?.forEach((row, l) => row.forEach((p, h) => PATTERN_TYPES.forEach((t) => rows.push(`pattern share,${t},${l + 1},${h + 1},${p.shares[t]}`))));
    SPECIAL_TOKEN_CLASSES.forEach((c) => r!.special.classes[c].mean?.forEach((row, l) => row.forEach((v, h) => rows.push(`attention to,${c},${l + 1},${h + 1},${v}`))));
    r!.drift?.mean?.forEach((row, l) => row.forEach((v, h) => rows.push(`drift cosine,${stored!.base},${l + 1},${h + 1},${v}`)));
    downloadFile(exportFileName({ model: named.model, kind: `analyses-${taskKey}-${stored!.sample}`, ext: 'csv' }), rows.join('\n') + '\n', 'text/csv');
  };

  return (
    <section className="analysis-panel" aria-label="Analyses over a task sample">
      <div className="panel-controls">
        <label>
          Task
          <select name="analysis-task" value={taskKey} onChange={(e) => setState((s) => ({ ...s, task: e.target.value }))}>
            {GLUE_TASK_KEYS.filter((k) => GLUE_TASKS[k].dataPath).map((k) => (
              <option key={k} value={k}>
                {GLUE_TASKS[k].name} dev
              </option>
            ))}
          </select>
        </label>
        <SampleControl name="analysis-n" value={state.sampleSize} total={examples?.length ?? null} onChange={(n) => setState((s) => ({ ...s, sampleSize: n }))} rateKey={`analyse:${model.id}`} disabled={!!progress} />
        <label>
          Pair
          <select
            name="model-pair"
            value={MODEL_PAIRS.findIndex((p) => p.model === state.model && p.base === state.baseModel)}
            onChange={(e) => {
              const pair = MODEL_PAIRS[Number(e.target.value)];
              if (!pair) return;
              setBaseText(pair.base);
              setState((s) => ({ ...s, baseModel: pair.base }));
              if (pair.model !== state.model) onLoadModel(pair.model);
            }}
          >
            <option value={-1}>choose one of the paper's pairs…</option>
            {MODEL_PAIRS.map((p, i) => (
              <option key={p.model} value={i}>
                {p.label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Pattern classifier
          <select name="analysis-classifier" value={classifier} onChange={(e) => setState((s) => ({ ...s, classifier: e.target.value as ClassifierKind }))}>
            {CLASSIFIER_KINDS.map((k) => (
              <option key={k} value={k} disabled={k === 'user' && !patternModelJson}>
                {CLASSIFIER_NAMES[k]}
              </option>
            ))}
          </select>
        </label>
        <label>
          Pre-trained model for drift
          <input name="base-model" value={baseText} list="bundled-models" onChange={(e) => setBaseText(e.target.value)} onBlur={() => setState((s) => ({ ...s, baseModel: baseText.trim() }))} onKeyDown={(e) => e.key === 'Enter' && setState((s) => ({ ...s, baseModel: baseText.trim() }))} />
        </label>
        {progress ? (
          <>
            <span data-testid="analysis-progress" className="num">
              {progress.done} of {progress.total} examples{progress.left != null && progress.done < progress.total ? ` (${formatDuration(progress.left)} left)` : ''} <progress value={progress.done} max={progress.total} aria-label="Analysis progress" />
            </span>
            <button type="button" name="analysis-cancel" onClick={cancel}>
              Cancel
            </button>
          </>
        ) : (
          <button type="button" name="analysis-run" className="primary" disabled={!sample} onClick={() => void run()}>
            {stored ? 'Run again' : 'Run analyses'}
          </button>
        )}
        {r && !progress && (
          <>
            <button type="button" name="analysis-export-json" onClick={exportJson}>
              Export JSON
            </button>
            <button type="button" name="analysis-export-csv" onClick={exportCsv}>
              Export CSV
            </button>
          </>
        )}
      </div>
      {active.problem && (
        <p className="hint" role="status" data-testid="classifier-problem">
          {active.problem}
        </p>
      )}
      {!r && !progress && sample && (
        <p className="hint" data-testid="analysis-not-run">
          Not run yet: Run analyses reads the first {sample.length} {GLUE_TASKS[taskKey].name} dev examples
          {estimateFor(sample.length) ? ` (${estimateFor(sample.length)} at the speed measured so far)` : ''}.
        </p>
      )}
      {r && stored && (
        <p className="hint" data-testid="analysis-summary">
          {named.model} on {r.patterns.examples} {GLUE_TASKS[taskKey].name} dev examples{stored.base ? `, drift against ${stored.base}` : ''}; pattern types by the {CLASSIFIER_NAMES[stored.classifier === 'fitted' ? 'user' : stored.classifier]}.
        </p>
      )}
      {r && state.panel === 'patterns' && (
        <div className="analysis-view" data-testid="patterns-view">
          <div className="type-bars" role="group" aria-label="Pattern types: click one to highlight its heads in the grid">
            {PATTERN_TYPES.map((t) => (
              <button key={t} type="button" name={`type-${t}`} aria-pressed={highlight === t} onClick={() => onHighlight(highlight === t ? null : t)}>
                <span className={`type-swatch type-${t.replace('+', '-')}`} style={{ width: `${Math.max(2, r.patterns.overall.shares[t] * 200)}px` }} />
                {t} {pct(r.patterns.overall.shares[t])}
              </button>
            ))}
          </div>
          <table className="layer-shares" data-testid="layer-shares" aria-label="Pattern types per layer">
            <caption>Each layer’s heads × examples by type (each bar is 100%)</caption>
            <tbody>
              {r.patterns.perLayer.map((s, l) => (
                <tr key={l} data-sum={PATTERN_TYPES.reduce((a, t) => a + s.shares[t], 0)}>
                  <th>L{l + 1}</th>
                  <td>
                    <span className="stacked" role="img" aria-label={`Layer ${l + 1}: ${PATTERN_TYPES.map((t) => `${t} ${pct(s.shares[t])}`).join(', ')}`}>
                      {PATTERN_TYPES.map((t) => (
                        <span key={t} className={`type-swatch type-${t.replace('+', '-')}`} style={{ width: `${s.shares[t] * 100}%` }} title={`${t} ${pct(s.shares[t])}`} />
                      ))}
                    </span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {r && state.panel === 'special' && (
        <div className="analysis-view" data-testid="special-view">
          <LayerCurves testId="special-curves" label="Mean attention to special tokens per layer" series={SPECIAL_TOKEN_CLASSES.filter((c) => r.special.classes[c].perLayer).map((c) => ({ name: CLASS_NAMES[c], values: r.special.classes[c].perLayer! }))} />
          <fieldset className="scaling" role="radiogroup" aria-label="Colour scale of the tables">
            <legend>Colour scale</legend>
            <label className="check">
              <input type="radio" name="special-scaling" value="shared" checked={scaling === 'shared'} onChange={() => setScaling('shared')} /> shared by the tables (0–{specialMax.toFixed(2)})
            </label>
            <label className="check">
              <input type="radio" name="special-scaling" value="each" checked={scaling === 'each'} onChange={() => setScaling('each')} /> each table to its own maximum
            </label>
          </fieldset>
          <div className="head-tables">
            {SPECIAL_TOKEN_CLASSES.map((c) =>
              r.special.classes[c].mean ? (
                <HeadTable
                  key={c}
                  testId={`special-${c}`}
                  values={r.special.classes[c].mean!}
                  scale={{ kind: 'attention', domain: [0, scaling === 'shared' ? specialMax : Math.max(0.05, ...r.special.classes[c].mean!.flat())] }}
                  legendTitle="attention"
                  legendNote={scaling === 'shared' ? 'same scale as the other tables' : 'this table’s own scale'}
                  label={`Attention to ${CLASS_NAMES[c]} (mean over ${r.special.classes[c].count} examples)`}
                  onPick={(l, h) => setState((s) => ({ ...s, head: { layer: l + 1, head: h + 1 } }))}
                />
              ) : (
                <p key={c} className="hint">No example in the sample has {CLASS_NAMES[c]}.</p>
              ),
            )}
          </div>
          {r.special.lastLayerClsRow && (
            <table className="cls-row" data-testid="cls-row" aria-label="The last layer's [CLS] attention">
              <caption>Layer {r.special.layers}: where [CLS] attends (mean over {r.special.lastLayerClsRow.count} examples)</caption>
              <thead>
                <tr>
                  <th>head</th>
                  <th>[CLS]</th>
                  <th>[SEP]</th>
                  <th>punct.</th>
                  <th>other</th>
                  <th title="the largest share on any one other token">max one</th>
                </tr>
              </thead>
              <tbody>
                {r.special.lastLayerClsRow.toCls.map((_, h) => (
                  <tr key={h}>
                    <th>{h + 1}</th>
                    {(['toCls', 'toSep', 'toPunctuation', 'toOther', 'otherMax'] as const).map((k) => <td key={k}>{r.special.lastLayerClsRow![k][h].toFixed(3)}</td>)}
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      )}
      {r && state.panel === 'drift' && (
        <div className="analysis-view" data-testid="drift-view">
          {r.drift?.mean ? (
            <>
              <HeadTable testId="drift-table" values={r.drift.mean} scale={{ kind: 'ink', domain: [0, 1] }} legendTitle="cosine" legendNote="1 = unchanged by fine-tuning" label={`Cosine similarity of each head's maps, ${state.model} against ${stored?.base}`} onPick={(l, h) => setState((s) => ({ ...s, head: { layer: l + 1, head: h + 1 } }))} />
              <LayerCurves testId="drift-curve" label="Mean cosine similarity per layer" yMax={1} series={[{ name: 'mean cosine', values: r.drift.perLayer! }]} />
            </>
          ) : (
            <p className="hint">Set a pre-trained model of the same shape and vocabulary above (e.g. bundled:micro-bert for bundled:micro-bert-sst2, or google-bert/bert-base-uncased for a textattack fine-tuning), then run the analyses.</p>
          )}
        </div>
      )}
    </section>
  );
}
