import { useMemo, type ReactNode } from 'react';
import { headMap, type HeadRef } from '../analysis/attentionView';
import { classifyByRules, headFeatures } from '../analysis/patterns';
import type { ModelInfo, RunResult } from '../engine/client';
import { ColorLegend } from './ColorLegend';
import { detailTitle, HeadDetail, type DetailOptions } from './HeadDetail';
import { HeadStrip } from './HeadStrip';
import type { UrlState } from './urlState';
import type { LoadState } from './useEngine';

/** Map labels in classroom mode are never below 18 px (read from the back of a room). */
export const CLASSROOM_FONTS = { minFont: 18, maxFont: 22, maxMargin: 200 };

/**
 * Classroom mode's body: the layer's heads as a strip, the selected head's map as large as the
 * height allows, and a column with the head's name, its pattern type, the lesson caption (when a
 * lesson plays), the sentence and the prediction. Run from the keyboard (see App).
 */
export function ClassroomView({ state, setState, model, result, loading, prediction, caption }: {
  state: UrlState;
  setState(update: (s: UrlState) => UrlState): void;
  model: ModelInfo | null;
  result: RunResult | null;
  loading: LoadState | null;
  prediction: ReactNode;
  /** A lesson step's caption card, shown above the sentence. */
  caption?: ReactNode;
}) {
  const encoding = result?.encodings?.[0] ?? null;
  const selected: HeadRef = state.head ? { layer: state.head.layer - 1, head: state.head.head - 1 } : { layer: 0, head: 0 };
  const type = useMemo(() => {
    if (!result?.attentions || !encoding || selected.layer >= result.attentions.length) return null;
    const f = headFeatures(headMap(result.attentions, result.seqLen, selected), result.seqLen, encoding.tokens.length, encoding.tokens, encoding.tokenTypeIds);
    return classifyByRules(f).type;
  }, [result, selected.layer, selected.head]);

  if (!model || !result?.attentions || !encoding) {
    const p = loading?.progress;
    return (
      <main className="classroom-body">
        <div className="classroom-loading" role="status" aria-busy="true" data-testid="classroom-loading">
          <span className="shimmer square" />
          <p>
            {loading ? `Loading ${loading.label}` : 'Starting'}
            {p?.total ? ` · ${Math.round((100 * p.loaded) / p.total)}%` : '…'}
          </p>
          {p?.total ? <progress value={p.loaded} max={p.total} aria-label="Download progress" /> : <progress aria-label="Loading" />}
        </div>
      </main>
    );
  }
  const select = (ref: HeadRef) => setState((s) => ({ ...s, head: { layer: ref.layer + 1, head: ref.head + 1 } }));
  const big = typeof window !== 'undefined' && window.innerWidth >= 1600;
  return (
    <main className="classroom-body">
      <HeadStrip attentions={result.attentions} seqLen={result.seqLen} length={encoding.tokens.length} heads={model.shape.heads} selected={selected} onSelect={select} size={big ? 64 : 40} />
      <div className="classroom-map">
        <HeadDetail
          large
          fonts={CLASSROOM_FONTS}
          attentions={result.attentions}
          heads={model.shape.heads}
          seqLen={result.seqLen}
          length={encoding.tokens.length}
          tokens={encoding.tokens}
          segments={encoding.tokenTypeIds}
          selected={selected}
          view={state.view}
          aggregation={state.aggregation}
          hide={state.hide}
          renormalise={state.renormalise}
          onOptions={(change: Partial<DetailOptions>) => setState((s) => ({ ...s, ...change }))}
        />
      </div>
      <aside className="classroom-side" aria-label="About this view">
        <div className="classroom-head">
          <h2>{detailTitle(selected, state.aggregation)}</h2>
          {type && state.aggregation === 'head' && <span className={`type-pill type-${type.replace('+', '-')}`}>{type}</span>}
        </div>
        {/* A playing lesson puts its caption and step controls here (LessonMenu renders them into it). */}
        <div className="lesson-caption-slot" id="lesson-caption-slot">
          {caption}
        </div>
        <section className="classroom-text" aria-label="Sentences">
          <p>{state.textA}</p>
          {state.textB && <p className="sentence-b">{state.textB}</p>}
        </section>
        {prediction}
        {state.view === 'map' ? <ColorLegend title="attention" width={big ? 260 : 200} large /> : <p className="classroom-keys">Lines: opacity = weight.</p>}
        <p className="classroom-keys">↑ ↓ layer · ← → or [ ] head · L heatmap / lines · Esc leaves</p>
      </aside>
    </main>
  );
}
