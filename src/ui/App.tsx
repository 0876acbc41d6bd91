import { useCallback, useEffect, useRef, useState } from 'react';
import type { RunResult } from '../engine/client';
import { AttentionGrid } from './AttentionGrid';
import { Messages, type Message } from './Messages';
import { ModelPanel } from './ModelPanel';
import { specOfModelText } from './modelText';
import { ClassPrediction, MaskFills, softmax } from './Prediction';
import { StatusBar } from './StatusBar';
import { TokenChips } from './TokenChips';
import { readUrlState, writeUrlState, type UrlState } from './urlState';
import { useEngine, type BackendChoice } from './useEngine';

interface MaskFill {
  position: number;
  tokens: string[];
  probs: number[];
}

export function App() {
  const initial = useRef(readUrlState(window.location.search));
  const [state, setState] = useState<UrlState>(initial.current.state);
  const [messages, setMessages] = useState<Message[]>(() => initial.current.problems.map((text, id) => ({ id, kind: 'notice', text })));
  const nextMessage = useRef(initial.current.problems.length);
  const [result, setResult] = useState<RunResult | null>(null);
  const [fills, setFills] = useState<MaskFill[]>([]);
  const [running, setRunning] = useState(false);

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

  // Run the model on the text whenever either changes (debounced while typing).
  useEffect(() => {
    if (!client || !model) return;
    let live = true;
    const timer = setTimeout(async () => {
      setRunning(true);
      try {
        const out = await client.run(model.id, { examples: [{ textA: state.textA, textB: state.textB || null }], outputs: { attentions: true, logits: true } });
        if (!live) return;
        setResult(out);
        if (model.head === 'masked-lm' && out.logits && out.logitsDims) {
          const vocab = out.logitsDims[2];
          const positions = out.encodings![0].tokens.flatMap((t, i) => (t === '[MASK]' ? [i] : []));
          const found = await Promise.all(
            positions.map(async (position) => {
              const probs = softmax(out.logits!.subarray(position * vocab, (position + 1) * vocab));
              const top = probs.map((p, id) => [p, id] as const).sort((a, b) => b[0] - a[0]).slice(0, 5);
              return { position, tokens: await client.tokenOf(model.id, top.map(([, id]) => id)), probs: top.map(([p]) => p) };
            }),
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
  }, [client, model, state.textA, state.textB, report]);

  const encoding = result?.encodings?.[0] ?? null;
  return (
    <div className="app">
      <header>
        <h1>Head Atlas</h1>
        <ModelPanel
          modelText={state.model}
          hubHost={state.hubHost}
          format={state.format}
          busy={!client}
          onLoad={async (modelText, hubHost, format) => {
            try {
              // The link follows the model only once it has loaded, so it never points at a broken one.
              if (await load(specOfModelText(modelText, hubHost), format)) setState((s) => ({ ...s, model: modelText, hubHost: hubHost || s.hubHost, format }));
            } catch (e) {
              report((e as Error).message);
            }
          }}
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
      </header>
      <Messages messages={messages} onDismiss={(id) => setMessages((m) => m.filter((x) => x.id !== id))} />
      <main>
        <section className="inputs">
          <label>
            Sentence A
            <textarea name="text-a" value={state.textA} rows={2} onChange={(e) => setState((s) => ({ ...s, textA: e.target.value }))} />
          </label>
          <label>
            Sentence B (optional)
            <textarea name="text-b" value={state.textB} rows={2} onChange={(e) => setState((s) => ({ ...s, textB: e.target.value }))} />
          </label>
        </section>
        {encoding && model && <TokenChips encoding={encoding} maxLength={model.maxLength} />}
        {model && result?.logits && model.head === 'sequence-classification' && <ClassPrediction model={model} logits={result.logits} />}
        {model?.head === 'masked-lm' && <MaskFills fills={fills} />}
        {model && result?.attentions && (
          <section className={`grid-section${running ? ' running' : ''}`}>
            <AttentionGrid attentions={result.attentions} heads={model.shape.heads} seqLen={result.seqLen} />
          </section>
        )}
      </main>
    </div>
  );
}
