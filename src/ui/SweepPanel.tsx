import { useEffect, useRef, useState } from 'react';
import { GLUE_TASKS, isGlueTaskKey, type GlueExample, type GlueTaskSpec } from '../analysis/glue';
import { ColorLegend } from './ColorLegend';
import { colourOf, deltaDomain, textOn } from './colorScale';
import { estimateSeconds, formatDuration } from './throughput';
import { layerDeltas, parseSweepFile, planSweep, runSweep, stringifySweep, SweepResumeError, sweepMatrix, withStoredRuns, type SweepKind, type SweepResult } from '../analysis/sweep';
import { newJobId, type EngineClient, type ModelInfo } from '../engine/client';
import { downloadFile, exportFileName } from './exporters';
import { loadedModelName } from './modelText';
import { loadResult, unsavedOnce, updateResult, type ResultKey } from './resultStore';
import type { UrlState } from './urlState';
import { TextFileButton } from './TextFileButton';
import type { Report } from './panelProps';

interface Props {
  client: EngineClient;
  model: ModelInfo;
  state: UrlState;
  task: GlueTaskSpec;
  sample: GlueExample[];
  /** True when the sample is the first rows of the dev set, false when it is all of it. */
  first: boolean;
  mapping: number[];
  report: Report;
}

const fmt = (v: number) => `${v >= 0 ? '+' : ''}${v.toFixed(3)}`;

/** The paper's ablation sweeps (Figs. 8–9): each head (or layer) disabled alone, as a map of score deltas. */
export function SweepPanel({ client, model, state, task, sample, first, mapping, report }: Props) {
  const [kind, setKind] = useState<SweepKind>('heads');
  const [result, setResult] = useState<SweepResult | null>(null);
  const [running, setRunning] = useState<{ done: number; total: number; startedAt: number; doneAtStart: number } | null>(null);
  const [imported, setImported] = useState<string | null>(null);
  // The sweep kept in IndexedDB for this key (undefined until read: a run started before then
  // would overwrite it). What is shown may instead be an imported file.
  const [stored, setStored] = useState<SweepResult | null | undefined>(undefined);
  // How much of the sweep's layer computation the kept lower layers saved (or why none was).
  const [layerWork, setLayerWork] = useState<{ computed: number; whole: number; unavailable: string | null } | null>(null);
  // Set when the kept incomplete sweep is not this sweep (e.g. the outputs were mapped otherwise):
  // the next run starts over instead of resuming it.
  const [unresumable, setUnresumable] = useState(false);
  const stop = useRef<(() => void) | null>(null);
  const { model: modelName, revision } = loadedModelName(model);
  const key: ResultKey = { analysis: 'sweep', model: model.identity, task: task.key, sample: sample.length, extra: `${kind}|${state.disableMode}` };
  const keyString = JSON.stringify(key);
  const shownKey = useRef(keyString);
  shownKey.current = keyString;

  // A sweep in progress or done is kept in IndexedDB: a reload shows it, and Resume goes on from there.
  useEffect(() => {
    let live = true;
    setImported(null);
    setResult(null);
    setStored(undefined);
    void loadResult<SweepResult>(key).then((r) => {
      if (!live) return;
      setResult(r);
      setStored(r);
    });
    return () => {
      live = false;
      stop.current?.();
    };
  }, [keyString]);

  useEffect(() => setUnresumable(false), [keyString, mapping.join()]);

  // A sweep file is drawn over this model's grid: one of another shape is refused, not drawn.
  const checkShape = (sweep: SweepResult): SweepResult => {
    const { layers, heads } = model.shape;
    if (sweep.layers !== layers || sweep.heads !== heads) {
      throw new Error(`it is a sweep of a model with ${sweep.layers} layers × ${sweep.heads} heads; the loaded model has ${layers} × ${heads}, so it is not shown.`);
    }
    return sweep;
  };

  // A sweep named by the link (?sweep=URL) is fetched and shown as imported.
  useEffect(() => {
    if (!state.sweepUrl) return;
    let live = true;
    fetch(new URL(state.sweepUrl, document.baseURI))
      .then(async (r) => {
        if (!r.ok) throw new Error(`HTTP ${r.status}`);
        const parsed = checkShape(parseSweepFile(await r.text(), state.sweepUrl));
        if (live) {
          setResult(parsed);
          setImported(state.sweepUrl);
        }
      })
      .catch((e) => live && report(`The sweep file ${state.sweepUrl} could not be opened: ${(e as Error).message}`));
    return () => {
      live = false;
    };
  }, [state.sweepUrl, keyString, model.shape.layers, model.shape.heads]);

  const start = async () => {
    const shape = { layers: model.shape.layers, heads: model.shape.heads };
    const full = planSweep(shape, kind, state.disableMode);
    // An incomplete sweep resumes; a complete one runs again from the start, and stays kept (and is
    // shown again if this run is paused) until the new one is complete.
    const previous = stored && !stored.complete && !unresumable ? stored : null;
    const kept = stored?.complete ? stored : null;
    const startedFor = keyString;
    let finished = false;
    const doneAtStart = previous?.runs.length ?? 0;
    let cancelled = false;
    let jobId = '';
    stop.current = () => {
      cancelled = true;
      if (jobId) void client.cancel(jobId);
    };
    setImported(null);
    setRunning({ done: doneAtStart + 1, total: full.length, startedAt: performance.now(), doneAtStart });
    setLayerWork(null);
    const work = { computed: 0, whole: 0, unavailable: null as string | null };
    try {
      await runSweep(
        { model: modelName, revision, modelIdentity: model.identity, task, examples: sample, first, kind, mode: state.disableMode, shape, mapping, createdWith: 'browser' },
        full,
        async (masks) => {
          if (cancelled) throw Object.assign(new Error('paused'), { code: 'cancelled' });
          jobId = newJobId('sweep');
          // Runs start at the first layer their mask changes, from the lower layers' kept outputs.
          const out = await client.evaluate(model.id, sample, { masks, jobId, batchSize: 32, reuse: true });
          if (out.reuse) {
            work.computed += out.reuse.computed;
            work.whole += out.reuse.whole;
            work.unavailable = out.reuse.unavailable;
            setLayerWork({ ...work });
          }
          return out;
        },
        (p) => {
          // runSweep goes on from `previous`: its result holds the kept runs and the new ones.
          const snapshot: SweepResult = { ...p.result };
          finished = snapshot.complete;
          const show = (sweep: SweepResult) => {
            if (shownKey.current !== startedFor) return; // the view moved on to another sweep
            setResult(sweep);
            if (!kept || finished) setStored(sweep);
          };
          if (shownKey.current === startedFor) setRunning((r) => (r ? { ...r, done: p.done } : r));
          if (kept && !finished) return show(snapshot);
          // Written over the stored copy in one transaction: another tab's runs of this sweep stay.
          show(snapshot);
          updateResult<SweepResult>(key, (stored) => withStoredRuns(stored, snapshot)).then(show, (e) => {
            const message = unsavedOnce(e);
            if (message) report(message);
          });
        },
        { resume: previous },
      );
    } catch (e) {
      if (e instanceof SweepResumeError) {
        setUnresumable(true);
        report(`The kept sweep cannot be resumed: ${e.message}. Run again starts it over.`);
      } else if ((e as { code?: string }).code !== 'cancelled') report((e as Error).message);
    } finally {
      if (kept && !finished && shownKey.current === startedFor) setResult(kept);
      setRunning(null);
      stop.current = null;
      void client.forgetKeptLayers(model.id);
    }
  };

  const matrix = result ? (result.kind === 'heads' ? sweepMatrix(result) : layerDeltas(result).map((d) => [d])) : null;
  const scale = { kind: 'delta' as const, domain: deltaDomain(matrix ? matrix.flat() : []) };
  const elapsed = running ? (performance.now() - running.startedAt) / 1000 : 0;
  const perRun = running && running.done - running.doneAtStart > 1 ? elapsed / (running.done - running.doneAtStart - 1) : null;
  const left = running && perRun ? Math.round(perRun * (running.total - running.done)) : null;
  // Before a run: each run scores the sample once (less with the kept lower layers), at the measured speed.
  const runs = (kind === 'heads' ? model.shape.layers * model.shape.heads : model.shape.layers) + 1;
  const before = !running && !(stored && stored.complete) ? estimateSeconds(`evaluate:${model.id}`, sample.length * runs) : null;
  // With many heads the cells are too narrow for numbers: colour only, the number in the tooltip.
  const dense = !!result && result.kind === 'heads' && result.heads > 6;
  const taskName = (key: string) => (isGlueTaskKey(key) ? GLUE_TASKS[key].name : key);

  return (
    <section className="sweep" aria-label="Ablation sweep">
      <h3>Sweep: switch off each {kind === 'heads' ? 'head' : 'layer'} alone</h3>
      <div className="panel-controls">
        <label>
          Switch off
          <select name="sweep-kind" value={kind} disabled={!!running} onChange={(e) => setKind(e.target.value as SweepKind)}>
            <option value="heads">each head ({model.shape.layers * model.shape.heads} runs)</option>
            <option value="layers">each layer ({model.shape.layers} runs)</option>
          </select>
        </label>
        {running ? (
          <button type="button" name="sweep-pause" onClick={() => stop.current?.()}>
            Pause
          </button>
        ) : (
          <button type="button" name="sweep-run" disabled={stored === undefined} onClick={() => void start()}>
            {stored && !stored.complete && !unresumable ? 'Resume sweep' : stored ? 'Run again' : 'Run sweep'}
          </button>
        )}
        {result && (
          <button type="button" name="sweep-export" onClick={() => downloadFile(exportFileName({ model: modelName, kind: `sweep-${result.task}-${result.kind}-${result.mode}`, ext: 'json' }), stringifySweep(result), 'application/json')}>
            Export JSON
          </button>
        )}
        <TextFileButton
          label="Import JSON…"
          name="sweep-import"
          accept=".json,application/json"
          onError={report}
          onText={(text, fileName) => {
            setResult(checkShape(parseSweepFile(text, fileName)));
            setImported(fileName);
          }}
        />
      </div>
      {before !== null && (
        <p className="hint" data-testid="sweep-estimate">
          {runs} runs of {sample.length} examples: {formatDuration(before)} at the speed measured so far (less, as unchanged lower layers are reused).
        </p>
      )}
      {running && (
        <p data-testid="sweep-progress" aria-live="polite" className="num">
          {running.done} of {running.total} runs{left !== null ? `, ${formatDuration(left)} left` : ''}
          <progress value={running.done} max={running.total} aria-label="Sweep progress" />
        </p>
      )}
      {layerWork && (
        <p className="hint" data-testid="sweep-reuse">
          {layerWork.unavailable
            ? `Every layer recomputed: ${layerWork.unavailable}.`
            : `Reusing unchanged lower layers: ${Math.round((100 * layerWork.computed) / Math.max(1, layerWork.whole))}% of the layer passes a full recompute would take.`}
        </p>
      )}
      {result && matrix && (
        <>
          <p className="hint" data-testid="sweep-summary">
            {imported ? `Imported from ${imported}: ` : ''}
            {result.model}
            {result.revision ? `@${result.revision}` : ''} on {taskName(result.task)}, {result.sample.size} examples, {result.mode === 'zero' ? 'heads output zero' : result.mode === 'uniform' ? 'heads attend evenly' : 'layers skipped'}; baseline {result.metric} {result.baseline.score.toFixed(3)}; {result.runs.length} runs{result.complete ? '' : ' (incomplete)'}. Each cell: the score change when that {result.kind === 'heads' ? 'head' : 'layer'} alone is switched off.
          </p>
          {imported && result.modelIdentity !== model.identity && (
            <p className="notice" role="status" data-testid="sweep-other-model">
              {result.modelIdentity
                ? `This sweep was made with other model files (${result.modelIdentity}) than the loaded ${model.label} (${model.identity}): its scores are not this model's.`
                : `This sweep file does not say which model files it was made with, so it cannot be checked against the loaded ${model.label}.`}
            </p>
          )}
          <table className="sweep-map" data-testid="sweep-map" data-kind={result.kind} aria-label="Score deltas">
            <thead>
              <tr>
                <th />
                {result.kind === 'heads' ? Array.from({ length: result.heads }, (_, h) => <th key={h}>{h + 1}</th>) : <th>layer off</th>}
              </tr>
            </thead>
            <tbody>
              {matrix.map((row, l) => (
                <tr key={l}>
                  <th>L{l + 1}</th>
                  {row.map((v, h) => (
                    <td key={h} data-value={v ?? ''} className={v === null ? 'pending' : undefined} style={v === null ? undefined : { background: colourOf(scale, v), color: textOn(scale, v) }} title={v === null ? 'not run yet' : `${result.kind === 'heads' ? `head ${l + 1}-${h + 1}` : `layer ${l + 1}`}: ${fmt(v)}`}>
                      {v === null ? '' : dense ? '' : fmt(v)}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
          <ColorLegend scale={scale} title={`Δ ${result.metric}`} ends={['hurts', 'helps']} width={130} note={`${scale.domain[1]} is the largest change, rounded up`} />
        </>
      )}
    </section>
  );
}
