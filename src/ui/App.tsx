import { useCallback, useEffect, useRef, useState } from 'react';
import type { RunResult } from '../engine/client';
import type { AnalysisResult } from '../analysis/analyseBatch';
import { topMaskFills } from '../analysis/maskFills';
import type { PatternType } from '../analysis/patterns';
import { AnalysisPanel } from './AnalysisPanel';
import { AtlasPanel } from './AtlasPanel';
import { HeadPatternCard } from './HeadPatternCard';
import { ExamplesMenu } from './ExamplesMenu';
import { Lessons } from './LessonMenu';
import { GridExportButtons, HeadExportButtons } from './ExportButtons';
import { decodeHeadMask, keepValues } from './headMask';
import { MaskingPanel } from './MaskingPanel';
import { Messages, type Message } from './Messages';
import { ModelPanel } from './ModelPanel';
import { specOfModelText } from './modelText';
import { ClassPrediction, MaskFills } from './Prediction';
import { StatusBar } from './StatusBar';
import { TokenChips } from './TokenChips';
import { checkAgainstShape, readUrlState, writeUrlState, type Panel, type UrlState } from './urlState';
import { useEngine, type BackendChoice } from './useEngine';
import { moveSelection } from './gridLayout';

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
  const [result, setResult] = useState<RunResult | null>(null);
  const [fills, setFills] = useState<MaskFill[]>([]);
  const [running, setRunning] = useState(false);
  const [analysis, setAnalysis] = useState<AnalysisResult | null>(null);
  const [highlight, setHighlight] = useState<PatternType | null>(null);
  const [patternModelJson, setPatternModelJson] = useState<string | null>(null);

  const report = useCallback((text: string, kind: Message['kind'] = 'error') => {
    setMessages((m) => [...m, { id: nextMessage.current++, kind, text }]);
  }, []);
  const { client, backend, model, loading, load, cancelLoad } = useEngine(state.backend as BackendChoice, report);

  // The URL mirrors the view, so a reload or a shared link restores it.
  useEffect(() => {
    const search = writeUrlState(state);
    if (search !== window.location.search) window.history.replaceState(null, '', `${window.location.pathname}${search}`);
  }, [state]);

  // Load the URL's model once the engine is up (and again after a backend switch).
  useEffect(() => {
    if (!client) return;
    try {
      void load(specOfModelText(state.model, state.hubHost), state.format);
    } catch (e) {
      report((e as Error).message);
    }
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
        setResult(out);
        if (model.head === 'masked-lm' && out.logits && out.logitsDims) {
          const found = await Promise.all(
            topMaskFills(out.logits, out.logitsDims, out.encodings![0].tokens).map(async ({ position, ids, probs }) => ({
              position,
              tokens: await client.tokenOf(model.id, ids),
              probs,
            })),
          );
          if (live) setFills(found);
        }
      } catch (e) {
        if (live) report((e as Error).message);
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
      const info = await load(specOfModelText(modelText, hubHost), format);
      if (info) setState((s) => ({ ...s, model: modelText, hubHost: hubHost || s.hubHost, format }));
      return info?.shape ?? null;
    } catch (e) {
      report((e as Error).message);
      return null;
    }
  };

  const copyLink = async () => {
    const url = window.location.href;
    try {
      await navigator.clipboard.writeText(url);
      report('Link copied: it opens this exact view.', 'notice');
    } catch {
      window.prompt('Copy this link:', url);
    }
  };

  const encoding = result?.encodings?.[0] ?? null;
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
          <Lessons state={state} setState={setState} report={report} shape={model?.shape ?? null} loadModel={loadModelText} />
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
        {model && result?.logits && model.head === 'sequence-classification' && <ClassPrediction model={model} logits={result.logits} />}
        {model?.head === 'masked-lm' && <MaskFills fills={fills} />}
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
          <AnalysisPanel client={client} model={model} state={state} setState={setState} report={report} onLoadModel={(text) => void loadModelText(text, state.hubHost, 'auto')} highlight={highlight} onHighlight={setHighlight} onResult={setAnalysis} patternModelJson={patternModelJson} />
        )}
        {!classroom && state.panel === 'masking' && client && model && (
          <MaskingPanel
            client={client}
            model={model}
            state={state}
            setState={setState}
            report={report}
            masks={headKeep || layerKeep ? { heads: headKeep && headKeep.includes(0) ? headKeep : null, layers: layerKeep, mode: state.disableMode } : null}
          />
        )}
        {model && result?.attentions && encoding && (
          <section className={`grid-section${running ? ' running' : ''}`}>
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
                return p ? `${p.type} in ${Math.round(p.share * 100)}% of ${analysis!.patterns.examples} examples` : '';
              }}
              isHighlighted={(l, h) => !!highlight && !!analysis?.patterns.headsByType[highlight].some((x) => x.layer === l && x.head === h)}
              detailExtra={(selected) =>
                !classroom && (
                  <HeadPatternCard
                    modelText={state.model}
                    attentions={result.attentions!}
                    seqLen={result.seqLen}
                    encoding={encoding}
                    selected={selected}
                    textA={state.textA}
                    textB={state.textB}
                    patternModelJson={patternModelJson}
                    onPatternModel={setPatternModelJson}
                    report={report}
                  />
                )
              }
              exportActions={(selected) => (
                <HeadExportButtons
                  modelText={state.model}
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
              gridActions={!classroom && <GridExportButtons modelText={state.model} attentions={result.attentions} heads={model.shape.heads} seqLen={result.seqLen} encoding={encoding} />}
            />
          </section>
        )}
        {classroom && <p className="classroom-keys">← → ↑ ↓ move between heads · L switches heatmap / lines · Esc leaves classroom mode</p>}
      </main>
    </div>
  );
}
