import { useCallback, useEffect, useRef, useState } from 'react';
import type { RunResult } from '../engine/client';
import type { AnalysisResult } from '../analysis/analyseBatch';
import { topMaskFills } from '../analysis/maskFills';
import type { PatternType } from '../analysis/patterns';
import { AtlasPanel } from './AtlasPanel';
import { ClassroomView } from './ClassroomView';
import { HeadPatternCard } from './HeadPatternCard';
import { activeClassifier, headEvidence, useUserPatternModel } from './userPatternModel';
import { Lessons } from './LessonMenu';
import { GridExportButtons, HeadExportButtons } from './ExportButtons';
import { decodeHeadMask, keepValues } from './headMask';
import { InputBand } from './InputBand';
import { Messages, type Message } from './Messages';
import { ModelPanel } from './ModelPanel';
import { PanelBoundary } from './PanelBoundary';
import { loadedModelName, specOfModelText } from './modelText';
import { resultFor, resultOf, type ModelResult } from './modelResult';
import { DetailPlaceholder, GridPlaceholder } from './Placeholders';
import { ClassPrediction, MaskFills } from './Prediction';
import { SIDE_PANELS, SidePanel } from './sidePanels';
import { BackendControl, StatusBar } from './StatusBar';
import { checkAgainstShape, readUrlState, textsTooLongForLink, URL_SCHEMA, writeUrlState, type UrlState } from './urlState';
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
  // The latest forward pass, mask fills and analyses, each tagged with the model that made them.
  const [latest, setLatest] = useState<ModelResult<RunResult> | null>(null);
  const [latestFills, setLatestFills] = useState<ModelResult<MaskFill[]> | null>(null);
  const [running, setRunning] = useState(false);
  const [latestAnalysis, setAnalysis] = useState<ModelResult<AnalysisResult> | null>(null);
  const [highlight, setHighlight] = useState<PatternType | null>(null);
  const [patternModelJson, setPatternModelJson] = useUserPatternModel();
  const [panelCollapsed, setPanelCollapsed] = useState(false);

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
      const info = await load(specOfModelText(modelText, hubHost), format);
      if (info) setState((s) => ({ ...s, model: modelText, hubHost: hubHost || s.hubHost, format }));
      return info?.shape ?? null;
    } catch (e) {
      report((e as Error).message);
      return null;
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
  const attentions = model && result?.attentions && encoding ? result.attentions : null;
  const prediction = !model ? null : !result ? (
    <p className="hint pending" data-testid="result-pending">
      Running {model.label}…
    </p>
  ) : result.logits && model.head === 'sequence-classification' ? (
    <ClassPrediction model={model} logits={result.logits} logitsDims={result.logitsDims} />
  ) : model.head === 'masked-lm' && fills ? (
    <MaskFills fills={fills} />
  ) : null;
  const masks = headKeep || layerKeep ? { heads: headKeep && headKeep.includes(0) ? headKeep : null, layers: layerKeep, mode: state.disableMode } : null;
  const toggleClassroom = () => setState((s) => ({ ...s, classroom: !s.classroom, head: s.head ?? { layer: 1, head: 1 } }));
  const viewActions = (
    // Keyed, so React keeps it (and the Lessons menu, with a lesson playing) when the header switches mode.
    <div className="view-actions" key="view-actions">
      <div className="lesson-slot">
        <Lessons state={state} setState={setState} report={report} shape={model?.shape ?? null} loadModel={loadModelText} />
      </div>
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
          onLoad={(text, host, format) => void loadModelText(text, host, format)}
          onRemoveCache={(text, host) => void removeCachedFiles(text, host)}
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
        {model && modelName && attentions && encoding ? (
          <PanelBoundary name="The attention grid" resetKey={`${model.id}|${state.textA}|${state.textB}`}>
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
              const here = headEvidence(attentions, result!.seqLen, encoding.tokens, encoding.tokenTypeIds, ref, activeClassifier(state.classifier, patternModelJson).classify);
              return `${here}${p ? ` · ${p.type} in ${Math.round(p.share * 100)}% of ${analysis!.patterns.examples} examples` : ''}`;
            }}
            isHighlighted={(l, h) => !!highlight && !!analysis?.patterns.headsByType[highlight].some((x) => x.layer === l && x.head === h)}
            isDimmed={(l, h) => !!highlight && !!analysis && !analysis.patterns.headsByType[highlight].some((x) => x.layer === l && x.head === h)}
            detailExtra={(selected) => (
              <HeadPatternCard
                modelText={modelName.revision ? `${modelName.model}@${modelName.revision}` : modelName.model}
                attentions={attentions}
                seqLen={result!.seqLen}
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
            )}
            exportActions={(selected) => (
              <HeadExportButtons
                modelName={modelName}
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
            gridActions={<GridExportButtons modelName={modelName} attentions={attentions} heads={model.shape.heads} seqLen={result!.seqLen} encoding={encoding} />}
          />
          </PanelBoundary>
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
              ? { client, model, state, setState, report, masks, highlight, onHighlight: setHighlight, onAnalysis: (r) => setAnalysis(r && resultOf(model, r)), patternModelJson, onLoadModel: (text) => void loadModelText(text, state.hubHost, 'auto') }
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
