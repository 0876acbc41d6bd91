import { useCallback, useEffect, useRef, useState } from 'react';
import type { RunResult } from '../engine/client';
import type { AnalysisResult } from '../analysis/analyseBatch';
import { topMaskFills } from '../analysis/maskFills';
import type { PatternType } from '../analysis/patterns';
import { AnalysisPanel } from './AnalysisPanel';
import { AtlasPanel } from './AtlasPanel';
import { HeadPatternCard } from './HeadPatternCard';
import { activeClassifier, headEvidence, useUserPatternModel } from './userPatternModel';
import { ExamplesMenu } from './ExamplesMenu';
import { GridExportButtons, HeadExportButtons } from './ExportButtons';
import { decodeHeadMask, keepValues } from './headMask';
import { MaskingPanel } from './MaskingPanel';
import { Messages, type Message } from './Messages';
import { ModelPanel } from './ModelPanel';
import { PanelBoundary } from './PanelBoundary';
import { loadedModelName, specOfModelText } from './modelText';
import { ClassPrediction, MaskFills } from './Prediction';
import { StatusBar } from './StatusBar';
import { TokenChips } from './TokenChips';
import { checkAgainstShape, readUrlState, textsTooLongForLink, URL_SCHEMA, writeUrlState, type Panel, type UrlState } from './urlState';
import { useEngine, type BackendChoice } from './useEngine';
import { moveSelection } from './gridLayout';
import { resultFor, resultOf, type ModelResult } from './modelResult';

/** The panels built so far, in tab order. */
const PANEL_TABS: { panel: Panel; label: string }[] = [
  { panel: 'atlas', label: 'Atlas' },
  { panel: 'patterns', label: 'Pattern types' },
  { panel: 'special', label: 'Special tokens' },
  { panel: 'drift', label: 'Fine-tuning drift' },
  { panel: 'masking', label: 'Masking & task scores' },
];

interface MaskFill {
  position: number;
  tokens: string[];
  probs: number[];
}

export function App() {
  const initial = useRef(readUrlState(window.location.search));
  const [state, setState] = useState<UrlState>(initial.current.state);
  const stateRef = useRef(state);
  stateRef.current = state;
  const [messages, setMessages] = useState<Message[]>(() => initial.current.problems.map((text, id) => ({ id, kind: 'notice', text })));
  const nextMessage = useRef(initial.current.problems.length);
  // The latest forward pass and mask fills, each tagged with the model that made them.
  const [latest, setLatest] = useState<ModelResult<RunResult> | null>(null);
  const [latestFills, setLatestFills] = useState<ModelResult<MaskFill[]> | null>(null);
  const [running, setRunning] = useState(false);
  const [latestAnalysis, setAnalysis] = useState<ModelResult<AnalysisResult> | null>(null);
  const [highlight, setHighlight] = useState<PatternType | null>(null);
  const [patternModelJson, setPatternModelJson] = useUserPatternModel();

  const report = useCallback((text: string, kind: Message['kind'] = 'error') => {
    setMessages((m) => [...m, { id: nextMessage.current++, kind, text }]);
  }, []);
  const { client, backend, model, loading, load, cancelLoad } = useEngine(state.backend as BackendChoice, report);
  const modelRef = useRef(model);
  modelRef.current = model;

  // The URL mirrors the view, so a reload or a shared link restores it.
  useEffect(() => {
    const search = writeUrlState(state);
    if (search !== window.location.search) window.history.replaceState(null, '', `${window.location.pathname}${search}`);
  }, [state]);

  // Load the URL's model once the engine is up (and again after a backend switch). A link's model
  // that cannot be loaded (bad id, unreachable host) gives way to the bundled default, and says so.
  useEffect(() => {
    if (!client) return;
    void (async () => {
      const wanted = stateRef.current;
      let loaded = null;
      try {
        loaded = await load(specOfModelText(wanted.model, wanted.hubHost), wanted.format);
      } catch (e) {
        report((e as Error).message);
      }
      const fallback = URL_SCHEMA.model.fallback;
      // Not when another model has loaded meanwhile (the user chose one).
      if (loaded || modelRef.current || wanted.model === fallback) return;
      if (await load(specOfModelText(fallback, URL_SCHEMA.hubHost.fallback), 'auto')) {
        report(`The link's model ${wanted.model} could not be loaded; showing ${fallback} instead.`, 'notice');
        setState((s) => ({ ...s, model: fallback, format: 'auto' }));
      }
    })();
  }, [client]);

  // What the link says about heads and masks must fit the model that loaded.
  useEffect(() => {
    if (!model) return;
    const checked = checkAgainstShape(stateRef.current, model.shape.layers, model.shape.heads);
    for (const p of checked.problems) report(p, 'notice');
    if (checked.problems.length) setState(checked.state);
  }, [model]);

  const headKeep = model ? keepValues(decodeHeadMask(state.mask) ?? { layers: 0, heads: 0, disabled: [] }, model.shape.layers, model.shape.heads) : null;
  const layerKeep = model && state.layersOff.length ? Array.from({ length: model.shape.layers }, (_, l) => (state.layersOff.includes(l + 1) ? 0 : 1)) : null;
  const maskKey = `${state.mask}|${state.layersOff.join()}|${state.disableMode}`;

  // Run the model on the text (with the masks) whenever either changes (debounced while typing).
  useEffect(() => {
    if (!client || !model) return;
    let live = true;
    const timer = setTimeout(async () => {
      setRunning(true);
      try {
        const out = await client.run(model.id, {
          examples: [{ textA: state.textA, textB: state.textB || null }],
          masks: { heads: headKeep, layers: layerKeep, mode: state.disableMode },
          outputs: { attentions: true, logits: true },
        });
        if (!live) return;
        setLatest(resultOf(model, out));
        if (model.head === 'masked-lm' && out.logits && out.logitsDims) {
          const found = await Promise.all(
            topMaskFills(out.logits, out.logitsDims, out.encodings![0].tokens).map(async ({ position, ids, probs }) => ({
              position,
              tokens: await client.tokenOf(model.id, ids),
              probs,
            })),
          );
          if (live) setLatestFills(resultOf(model, found));
        }
      } catch (e) {
        // A run ended by a restart of the engine is reported once, by useEngine.
        if (live && (e as { code?: string }).code !== 'cancelled') report((e as Error).message);
      } finally {
        if (live) setRunning(false);
      }
    }, 200);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [client, model, state.textA, state.textB, maskKey, report]);

  // Classroom mode is run from the keyboard: arrows move the head, L switches the view, Escape leaves.
  useEffect(() => {
    if (!state.classroom || !model) return;
    const onKey = (e: KeyboardEvent) => {
      if ((e.target as HTMLElement).closest('input, textarea, select')) return;
      if (e.key === 'Escape') return setState((s) => ({ ...s, classroom: false }));
      if (e.key === 'l' || e.key === 'L') return setState((s) => ({ ...s, view: s.view === 'map' ? 'lines' : 'map' }));
      const from = state.head ? { layer: state.head.layer - 1, head: state.head.head - 1 } : { layer: 0, head: 0 };
      const next = moveSelection(model.shape, from, e.key);
      if (next) {
        e.preventDefault();
        setState((s) => ({ ...s, head: { layer: next.layer + 1, head: next.head + 1 } }));
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [state.classroom, state.head, model]);

  const loadModelText = async (modelText: string, hubHost: string, format: UrlState['format']) => {
    try {
      // The link follows the model only once it has loaded, so it never points at a broken one.
      if (await load(specOfModelText(modelText, hubHost), format)) setState((s) => ({ ...s, model: modelText, hubHost: hubHost || s.hubHost, format }));
    } catch (e) {
      report((e as Error).message);
    }
  };

  const removeCachedFiles = async (modelText: string, hubHost: string) => {
    try {
      const removed = await client!.removeCachedFiles(specOfModelText(modelText, hubHost));
      report(removed ? `Removed ${removed} cached file${removed === 1 ? '' : 's'} of ${modelText}: its next load downloads them again.` : `No cached files of ${modelText} were found.`, 'notice');
    } catch (e) {
      report((e as Error).message);
    }
  };

  const copyLink = async () => {
    const url = window.location.href;
    const cut = textsTooLongForLink(state);
    try {
      await navigator.clipboard.writeText(url);
      if (cut.length) report(`Link copied, but without ${cut.map((k) => `sentence ${k.toUpperCase()}`).join(' and ')}: too long to keep in a link even compressed. The link says so when opened.`, 'notice');
      else report('Link copied: it opens this exact view.', 'notice');
    } catch {
      window.prompt('Copy this link:', url);
    }
  };

  // Only the loaded model's own results are shown: after a switch, the loading state until they arrive.
  const result = resultFor(model, latest);
  const analysis = resultFor(model, latestAnalysis);
  const fills = resultFor(model, latestFills);
  const encoding = result?.encodings?.[0] ?? null;
  const modelName = model ? loadedModelName(model) : null;
  const classroom = state.classroom;
  return (
    <div className={`app${classroom ? ' classroom' : ''}`}>
      <header>
        <h1>Head Atlas</h1>
        {!classroom && (
          <>
            <ModelPanel
              modelText={state.model}
              hubHost={state.hubHost}
              format={state.format}
              busy={!client}
              onLoad={loadModelText}
              onRemoveCache={(text, host) => void removeCachedFiles(text, host)}
              onFiles={(label, files, format) => {
                void load({ kind: 'files', label, files }, format);
                report(`Loading ${label} from your disk. Local files are not part of the page's link.`, 'notice');
              }}
            />
            <StatusBar
              choice={state.backend as BackendChoice}
              backend={backend}
              model={model}
              loading={loading}
              onBackend={(choice) => setState((s) => ({ ...s, backend: choice }))}
              onCancel={cancelLoad}
            />
          </>
        )}
        <div className="view-actions">
          {running && <span className="computing" data-testid="computing">computing…</span>}
          <button type="button" name="copy-link" onClick={() => void copyLink()}>
            Copy link
          </button>
          <button type="button" name="classroom" aria-pressed={classroom} onClick={() => setState((s) => ({ ...s, classroom: !s.classroom, head: s.head ?? { layer: 1, head: 1 } }))}>
            {classroom ? 'Leave classroom mode' : 'Classroom mode'}
          </button>
        </div>
      </header>
      <Messages messages={messages} onDismiss={(id) => setMessages((m) => m.filter((x) => x.id !== id))} />
      <main>
        {classroom ? (
          <section className="classroom-text" aria-label="Sentences">
            <p>{state.textA}</p>
            {state.textB && <p className="sentence-b">{state.textB}</p>}
          </section>
        ) : (
          <section className="inputs">
            <label>
              Sentence A
              <textarea name="text-a" value={state.textA} rows={2} onChange={(e) => setState((s) => ({ ...s, textA: e.target.value }))} />
            </label>
            <label>
              Sentence B (optional)
              <textarea name="text-b" value={state.textB} rows={2} onChange={(e) => setState((s) => ({ ...s, textB: e.target.value }))} />
            </label>
            <ExamplesMenu onPick={(textA, textB) => setState((s) => ({ ...s, textA, textB }))} onError={report} />
          </section>
        )}
        {encoding && model && <TokenChips encoding={encoding} maxLength={model.maxLength} />}
        {model && result?.logits && model.head === 'sequence-classification' && <ClassPrediction model={model} logits={result.logits} logitsDims={result.logitsDims} />}
        {model?.head === 'masked-lm' && fills && <MaskFills fills={fills} />}
        {model && !result && <p className="hint pending" data-testid="result-pending">Running {model.label}…</p>}
        {!classroom && (
          <nav className="panel-tabs" role="tablist" aria-label="Panels">
            {PANEL_TABS.map((t) => (
              <button key={t.panel} type="button" role="tab" name={`panel-${t.panel}`} aria-selected={state.panel === t.panel} onClick={() => setState((s) => ({ ...s, panel: t.panel }))}>
                {t.label}
              </button>
            ))}
          </nav>
        )}
        {!classroom && (state.panel === 'patterns' || state.panel === 'special' || state.panel === 'drift') && client && model && (
          <PanelBoundary name="The analysis panel" resetKey={`${state.panel}|${model.id}`}>
          <AnalysisPanel key={model.identity} client={client} model={model} state={state} setState={setState} report={report} onLoadModel={(text) => void loadModelText(text, state.hubHost, 'auto')} highlight={highlight} onHighlight={setHighlight} onResult={(r) => setAnalysis(r && resultOf(model, r))} patternModelJson={patternModelJson} />
          </PanelBoundary>
        )}
        {!classroom && state.panel === 'masking' && client && model && (
          <PanelBoundary name="The masking panel" resetKey={`${state.panel}|${model.id}|${state.task}`}>
          <MaskingPanel
            key={model.identity}
            client={client}
            model={model}
            state={state}
            setState={setState}
            report={report}
            masks={headKeep || layerKeep ? { heads: headKeep && headKeep.includes(0) ? headKeep : null, layers: layerKeep, mode: state.disableMode } : null}
          />
          </PanelBoundary>
        )}
        {model && result?.attentions && encoding && (
          <section className={`grid-section${running ? ' running' : ''}`}>
            <PanelBoundary name="The attention grid" resetKey={`${model.id}|${state.textA}|${state.textB}`}>
            <AtlasPanel
              state={state}
              setState={setState}
              attentions={result.attentions}
              layers={model.shape.layers}
              heads={model.shape.heads}
              seqLen={result.seqLen}
              encoding={encoding}
              headNote={(ref) => {
                const p = analysis?.patterns.perHead?.[ref.layer]?.[ref.head];
                const here = headEvidence(result.attentions!, result.seqLen, encoding.tokens, encoding.tokenTypeIds, ref, activeClassifier(state.classifier, patternModelJson).classify);
                return `${here}${p ? ` · ${p.type} in ${Math.round(p.share * 100)}% of ${analysis!.patterns.examples} examples` : ''}`;
              }}
              isHighlighted={(l, h) => !!highlight && !!analysis?.patterns.headsByType[highlight].some((x) => x.layer === l && x.head === h)}
              detailExtra={(selected) =>
                !classroom && (
                  <HeadPatternCard
                    modelText={modelName!.revision ? `${modelName!.model}@${modelName!.revision}` : modelName!.model}
                    attentions={result.attentions!}
                    seqLen={result.seqLen}
                    encoding={encoding}
                    selected={selected}
                    textA={state.textA}
                    textB={state.textB}
                    classifier={state.classifier}
                    onClassifier={(classifier) => setState((s) => ({ ...s, classifier }))}
                    patternModelJson={patternModelJson}
                    onPatternModel={setPatternModelJson}
                    report={report}
                  />
                )
              }
              exportActions={(selected) => (
                <HeadExportButtons
                  modelName={modelName!}
                  attentions={result.attentions!}
                  heads={model.shape.heads}
                  seqLen={result.seqLen}
                  encoding={encoding}
                  selected={selected}
                  view={state.view}
                  aggregation={state.aggregation}
                  hide={state.hide}
                  renormalise={state.renormalise}
                  textA={state.textA}
                  textB={state.textB}
                />
              )}
              gridActions={!classroom && <GridExportButtons modelName={modelName!} attentions={result.attentions} heads={model.shape.heads} seqLen={result.seqLen} encoding={encoding} />}
            />
            </PanelBoundary>
          </section>
        )}
        {classroom && <p className="classroom-keys">← → ↑ ↓ move between heads · L switches heatmap / lines · Esc leaves classroom mode</p>}
      </main>
    </div>
  );
}
