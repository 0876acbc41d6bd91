import { useCallback, useEffect, useRef, useState } from 'react';
import type { RunResult } from '../engine/client';
import type { AnalysisResult } from '../analysis/analyseBatch';
import { topMaskFills } from '../analysis/maskFills';
import type { PatternType } from '../analysis/patterns';
import { AtlasPanel } from './AtlasPanel';
import { ClassroomView } from './ClassroomView';
import { HeadPatternCard } from './HeadPatternCard';
import { GridExportButtons, HeadExportButtons } from './ExportButtons';
import { decodeHeadMask, keepValues } from './headMask';
import { InputBand } from './InputBand';
import { Messages, type Message } from './Messages';
import { ModelPanel } from './ModelPanel';
import { specOfModelText } from './modelText';
import { DetailPlaceholder, GridPlaceholder } from './Placeholders';
import { ClassPrediction, MaskFills } from './Prediction';
import { SIDE_PANELS, SidePanel } from './sidePanels';
import { BackendControl, StatusBar } from './StatusBar';
import { checkAgainstShape, readUrlState, writeUrlState, type UrlState } from './urlState';
import { useEngine, type BackendChoice } from './useEngine';
import { moveSelection } from './gridLayout';

const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

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
  const [panelCollapsed, setPanelCollapsed] = useState(false);

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

  // Notices belong to the moment they were made: classroom mode starts without them.
  useEffect(() => {
    if (state.classroom) setMessages([]);
  }, [state.classroom]);

  // In the workspace, keys 1–5 open the side panels (not while typing).
  useEffect(() => {
    if (state.classroom) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey || (e.target as HTMLElement).closest('input, textarea, select, [contenteditable]')) return;
      const panel = SIDE_PANELS[Number(e.key) - 1];
      if (!panel) return;
      setPanelCollapsed(false);
      setState((s) => ({ ...s, panel: panel.id }));
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [state.classroom]);

  // Classroom mode is run from the keyboard: arrows move the head, L switches the view, Escape leaves.
  useEffect(() => {
    if (!state.classroom || !model) return;
    const onKey = (e: KeyboardEvent) => {
      if ((e.target as HTMLElement).closest('input, textarea, select')) return;
      if (e.key === 'Escape') return setState((s) => ({ ...s, classroom: false }));
      if (e.key === 'l' || e.key === 'L') return setState((s) => ({ ...s, view: s.view === 'map' ? 'lines' : 'map' }));
      const from = state.head ? { layer: state.head.layer - 1, head: state.head.head - 1 } : { layer: 0, head: 0 };
      // [ and ] also step through the layer's heads (arrows left and right may belong to lesson steps).
      const next = moveSelection(model.shape, from, e.key === '[' ? 'ArrowLeft' : e.key === ']' ? 'ArrowRight' : e.key);
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
  const attentions = model && result?.attentions && encoding ? result.attentions : null;
  const prediction = model && result?.logits && model.head === 'sequence-classification' ? <ClassPrediction model={model} logits={result.logits} /> : model?.head === 'masked-lm' ? <MaskFills fills={fills} /> : null;
  const masks = headKeep || layerKeep ? { heads: headKeep && headKeep.includes(0) ? headKeep : null, layers: layerKeep, mode: state.disableMode } : null;
  const toggleClassroom = () => setState((s) => ({ ...s, classroom: !s.classroom, head: s.head ?? { layer: 1, head: 1 } }));
  const viewActions = (
    <div className="view-actions">
      {/* Lessons (issue 14, lessons half) add their menu here. */}
      <div className="lesson-slot" />
      <button type="button" name="copy-link" onClick={() => void copyLink()}>
        Copy link
      </button>
      <button type="button" name="classroom" aria-pressed={classroom} onClick={toggleClassroom}>
        {classroom ? 'Leave classroom mode' : 'Classroom mode'}
      </button>
    </div>
  );

  if (classroom) {
    return (
      <div className="app classroom">
        <header className="classroom-bar">
          <h1>Head Atlas</h1>
          <span className="muted">{model ? `${model.label} · ${model.shape.layers} layers × ${model.shape.heads} heads` : 'loading the model…'}</span>
          <span className="spacer" />
          {viewActions}
        </header>
        <Messages messages={messages} onDismiss={(id) => setMessages((m) => m.filter((x) => x.id !== id))} />
        <ClassroomView state={state} setState={setState} model={model} result={result} loading={loading} prediction={prediction} />
      </div>
    );
  }

  return (
    <div className={`app workspace-app${panelCollapsed ? ' panel-collapsed' : ''}`}>
      <header className="model-bar">
        <h1>Head Atlas</h1>
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
        <BackendControl choice={state.backend as BackendChoice} backend={backend} model={model} onBackend={(choice) => setState((s) => ({ ...s, backend: choice }))} />
        <span className="spacer" />
        {viewActions}
      </header>
      <InputBand
        textA={state.textA}
        textB={state.textB}
        onText={(textA, textB) => setState((s) => ({ ...s, textA, textB }))}
        onError={report}
        encoding={encoding}
        maxLength={model?.maxLength ?? null}
        prediction={prediction}
      />
      <Messages messages={messages} onDismiss={(id) => setMessages((m) => m.filter((x) => x.id !== id))} />
      <main className="workspace">
        {model && attentions && encoding ? (
          <AtlasPanel
            state={state}
            setState={setState}
            attentions={attentions}
            layers={model.shape.layers}
            heads={model.shape.heads}
            seqLen={result!.seqLen}
            encoding={encoding}
            stale={running || !!loading}
            headNote={(ref) => {
              const p = analysis?.patterns.perHead?.[ref.layer]?.[ref.head];
              return p ? `${p.type} in ${Math.round(p.share * 100)}% of ${analysis!.patterns.examples} examples` : '';
            }}
            isHighlighted={(l, h) => !!highlight && !!analysis?.patterns.headsByType[highlight].some((x) => x.layer === l && x.head === h)}
            isDimmed={(l, h) => !!highlight && !!analysis && !analysis.patterns.headsByType[highlight].some((x) => x.layer === l && x.head === h)}
            detailExtra={(selected) => (
              <HeadPatternCard
                modelText={state.model}
                attentions={attentions}
                seqLen={result!.seqLen}
                encoding={encoding}
                selected={selected}
                textA={state.textA}
                textB={state.textB}
                patternModelJson={patternModelJson}
                onPatternModel={setPatternModelJson}
                report={report}
              />
            )}
            exportActions={(selected) => (
              <HeadExportButtons
                modelText={state.model}
                attentions={attentions}
                heads={model.shape.heads}
                seqLen={result!.seqLen}
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
            gridActions={<GridExportButtons modelText={state.model} attentions={attentions} heads={model.shape.heads} seqLen={result!.seqLen} encoding={encoding} />}
          />
        ) : (
          <>
            <GridPlaceholder layers={model?.shape.layers ?? 4} heads={model?.shape.heads ?? 4} loading={loading} />
            <DetailPlaceholder />
          </>
        )}
        <SidePanel
          collapsed={panelCollapsed}
          onCollapse={setPanelCollapsed}
          ctx={
            client && model
              ? { client, model, state, setState, report, masks, highlight, onHighlight: setHighlight, onAnalysis: setAnalysis, patternModelJson, onLoadModel: (text) => void loadModelText(text, state.hubHost, 'auto') }
              : null
          }
        />
      </main>
      <StatusBar backend={backend} model={model} loading={loading} onCancel={cancelLoad} computing={running}>
        {(headKeep?.includes(0) || layerKeep) && (
          <span className="num" data-testid="status-mask">
            {count(headKeep?.filter((k) => k === 0).length ?? 0, 'head')} and {count(state.layersOff.length, 'layer')} switched off ({state.disableMode === 'zero' ? 'output zero' : 'attend evenly'})
          </span>
        )}
      </StatusBar>
    </div>
  );
}
