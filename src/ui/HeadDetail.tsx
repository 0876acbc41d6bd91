import { useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { aggregatedMap, dropTokens, type Aggregation, type HeadRef } from '../analysis/attentionView';
import { drawHeatmap, drawHeatmapHighlight, drawLines, heatmapHit, heatmapLayout, linesHit, linesLayout, type DetailData } from './headDrawing';

export interface DetailOptions {
  view: 'map' | 'lines';
  aggregation: Aggregation;
  hide: ('cls' | 'sep')[];
  renormalise: boolean;
}

interface Props extends DetailOptions {
  attentions: Float32Array[];
  heads: number;
  seqLen: number;
  length: number;
  tokens: string[];
  segments: number[];
  selected: HeadRef;
  /** Side of the square map in CSS pixels. */
  maxSide?: number;
  onOptions(change: Partial<DetailOptions>): void;
  /** Export buttons and the like, shown under the toolbar. */
  actions?: ReactNode;
}

/** The map and the tokens the detail view shows, after aggregation and hiding special tokens. */
export function detailData(p: Pick<Props, 'attentions' | 'heads' | 'seqLen' | 'length' | 'tokens' | 'segments' | 'selected' | 'aggregation' | 'hide' | 'renormalise'>): DetailData & { keep: number[] } {
  const full = aggregatedMap(p.attentions, p.heads, p.seqLen, p.selected, p.aggregation);
  const hidden = (i: number) => i >= p.length || (p.hide.includes('cls') && p.tokens[i] === '[CLS]') || (p.hide.includes('sep') && p.tokens[i] === '[SEP]');
  const { keep, map } = dropTokens(full, p.seqLen, hidden, p.renormalise);
  return { keep, map, tokens: keep.map((i) => p.tokens[i]), segments: keep.map((i) => p.segments[i]) };
}

export function detailTitle(selected: HeadRef, aggregation: Aggregation): string {
  if (aggregation === 'layer') return `Layer ${selected.layer + 1}, mean of its heads`;
  if (aggregation === 'all') return 'Mean of all heads';
  return `Head ${selected.layer + 1}-${selected.head + 1} (layer ${selected.layer + 1}, head ${selected.head + 1})`;
}

/** One head in detail: token labels on both axes, hover for weights, row/column highlight, or bertviz's lines. */
export function HeadDetail(props: Props) {
  const { view, aggregation, hide, renormalise, maxSide = 640 } = props;
  const data = useMemo(() => detailData(props), [props.attentions, props.heads, props.seqLen, props.length, props.tokens, props.segments, props.selected.layer, props.selected.head, aggregation, hide.join(), renormalise]);
  const main = useRef<HTMLCanvasElement>(null);
  const over = useRef<HTMLCanvasElement>(null);
  const [hover, setHover] = useState<{ row: number | null; col: number | null; x: number; y: number } | null>(null);
  const [focus, setFocus] = useState<{ side: 'from' | 'to'; token: number } | null>(null);
  const margin = useMemo(() => Math.min(120, 16 + 7.5 * Math.max(3, ...data.tokens.map((t) => t.length))), [data.tokens]);
  const heat = heatmapLayout(data.tokens.length, maxSide, margin);
  const lines = linesLayout(data, margin);
  const width = view === 'map' ? heat.size : lines.width;
  const height = view === 'map' ? heat.size : lines.height;

  useEffect(() => {
    const ctx = main.current?.getContext('2d');
    if (!ctx) return;
    if (view === 'map') drawHeatmap(ctx, heat, data);
    else drawLines(ctx, lines, data, focus);
  }, [data, view, heat.cell, heat.margin, focus]);

  useEffect(() => {
    const ctx = over.current?.getContext('2d');
    if (!ctx) return;
    if (view === 'map') drawHeatmapHighlight(ctx, heat, hover?.row ?? null, hover?.col ?? null);
    else ctx.clearRect(0, 0, ctx.canvas.width, ctx.canvas.height);
  }, [hover, view, data, heat.cell]);

  const rowSums = renormalise ? 'Rows are renormalised to sum to 1 over the tokens shown.' : 'Rows are not renormalised: weights are the model’s own, so a row sums to less than 1 where tokens are hidden.';
  const hiding = hide.length > 0;
  const weightAt = hover && hover.row !== null && hover.col !== null ? data.map[hover.row * data.tokens.length + hover.col] : null;

  return (
    <section className="head-detail" aria-label="Head detail">
      <h2>{detailTitle(props.selected, aggregation)}</h2>
      <div className="detail-toolbar" role="toolbar" aria-label="Head detail options">
        <label>
          Show
          <select name="aggregation" value={aggregation} onChange={(e) => props.onOptions({ aggregation: e.target.value as Aggregation })}>
            <option value="head">this head</option>
            <option value="layer">mean over layer {props.selected.layer + 1}</option>
            <option value="all">mean over all heads</option>
          </select>
        </label>
        <label>
          View
          <select name="view" value={view} onChange={(e) => props.onOptions({ view: e.target.value as 'map' | 'lines' })}>
            <option value="map">heatmap</option>
            <option value="lines">lines</option>
          </select>
        </label>
        <label>
          <input type="checkbox" name="hide-cls" checked={hide.includes('cls')} onChange={(e) => props.onOptions({ hide: toggle(hide, 'cls', e.target.checked) })} /> hide [CLS]
        </label>
        <label>
          <input type="checkbox" name="hide-sep" checked={hide.includes('sep')} onChange={(e) => props.onOptions({ hide: toggle(hide, 'sep', e.target.checked) })} /> hide [SEP]
        </label>
        <label title={rowSums}>
          <input type="checkbox" name="renormalise" checked={renormalise} disabled={!hiding} onChange={(e) => props.onOptions({ renormalise: e.target.checked })} /> renormalise rows
        </label>
      </div>
      {hiding && <p className="row-sums" data-testid="row-sums">{rowSums}</p>}
      {props.actions}
      <div className="detail-canvases" style={{ width, height }}>
        <canvas ref={main} data-testid="head-detail" data-view={view} data-tokens={data.tokens.length} width={width} height={height} aria-label={`${detailTitle(props.selected, aggregation)}: ${view === 'map' ? 'heatmap' : 'lines'} over ${data.tokens.length} tokens`} />
        <canvas
          ref={over}
          className="detail-overlay"
          data-testid="detail-overlay"
          width={width}
          height={height}
          onMouseMove={(e) => {
            const r = over.current!.getBoundingClientRect();
            const x = e.clientX - r.left;
            const y = e.clientY - r.top;
            if (view === 'lines') {
              setFocus(linesHit(lines, x, y));
              return;
            }
            const hit = heatmapHit(heat, x, y);
            if (!hit) setHover(null);
            else if ('token' in hit) setHover({ row: hit.token, col: hit.token, x, y });
            else setHover({ row: hit.row, col: hit.col, x, y });
          }}
          onMouseLeave={() => {
            setHover(null);
            setFocus(null);
          }}
        />
        {view === 'map' && hover && hover.row !== null && (
          <div className="hover-card" role="tooltip" data-testid="cell-tooltip" style={{ left: Math.min(hover.x + 14, width - 200), top: hover.y + 14 }}>
            {weightAt !== null && hover.row !== hover.col ? (
              <>
                <b>{data.tokens[hover.row]}</b> → <b>{data.tokens[hover.col!]}</b>: {weightAt.toFixed(4)}
              </>
            ) : weightAt !== null ? (
              <>
                <b>{data.tokens[hover.row]}</b> → itself: {weightAt.toFixed(4)}
              </>
            ) : null}
          </div>
        )}
      </div>
      <p className="hint">Rows: the token that attends (from). Columns: the token attended to. Hover a cell for its weight, a token for its row and column{view === 'lines' ? '; in lines, hover a token to see only its lines' : ''}.</p>
    </section>
  );
}

function toggle<T>(list: T[], item: T, on: boolean): T[] {
  return on ? (list.includes(item) ? list : [...list, item]) : list.filter((x) => x !== item);
}
