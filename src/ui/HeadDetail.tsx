import { useEffect, useLayoutEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { aggregatedMap, dropTokens, type Aggregation, type HeadRef } from '../analysis/attentionView';
import { ColorLegend } from './ColorLegend';
import { drawHeatmap, drawHeatmapHighlight, drawLines, heatmapHit, heatmapLayout, linesHit, linesLayout, type DetailData, type LabelFonts } from './headDrawing';

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
  /** Label sizes (classroom mode asks for 18 px and up). */
  fonts?: Partial<LabelFonts>;
  /** Classroom mode: the map alone (its title and legend are in the caption column). */
  large?: boolean;
  onOptions(change: Partial<DetailOptions>): void;
  /** Buttons beside the title (switch off, export). */
  actions?: ReactNode;
  /** Shown beside the title, e.g. the head's pattern type. */
  badge?: ReactNode;
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

/** One head in detail: token labels on both axes, hover for weights, row/column highlight, or bertviz's lines. The map fills the space it has. */
export function HeadDetail(props: Props) {
  const { view, aggregation, hide, renormalise, fonts, large } = props;
  const fit = useRef<HTMLDivElement>(null);
  const [room, setRoom] = useState({ width: 400, height: 400 });
  useLayoutEffect(() => {
    const el = fit.current;
    if (!el) return;
    const measure = () => {
      const cs = getComputedStyle(el);
      const px = (v: string) => parseFloat(v) || 0;
      setRoom({ width: el.clientWidth - px(cs.paddingLeft) - px(cs.paddingRight), height: el.clientHeight - px(cs.paddingTop) - px(cs.paddingBottom) });
    };
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    measure();
    return () => observer.disconnect();
  }, []);
  const data = useMemo(() => detailData(props), [props.attentions, props.heads, props.seqLen, props.length, props.tokens, props.segments, props.selected.layer, props.selected.head, aggregation, hide.join(), renormalise]);
  const main = useRef<HTMLCanvasElement>(null);
  const over = useRef<HTMLCanvasElement>(null);
  const [hover, setHover] = useState<{ row: number | null; col: number | null; x: number; y: number } | null>(null);
  const [focus, setFocus] = useState<{ side: 'from' | 'to'; token: number } | null>(null);
  const longest = useMemo(() => Math.max(3, ...data.tokens.map((t) => t.length)), [data.tokens]);
  const heat = heatmapLayout(data.tokens.length, Math.max(120, Math.min(room.width, room.height)), { longest, ...fonts });
  const lines = linesLayout(data, Math.min(heat.font * 0.62 * longest + 16, 160), heat.font);
  const width = view === 'map' ? heat.size : lines.width;
  const height = view === 'map' ? heat.size : lines.height;

  useEffect(() => {
    const ctx = main.current?.getContext('2d');
    if (!ctx) return;
    if (view === 'map') drawHeatmap(ctx, heat, data);
    else drawLines(ctx, lines, data, focus);
  }, [data, view, heat.cell, heat.margin, heat.font, heat.stagger, heat.labelStep, focus]);

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
    <section className={`head-detail${large ? ' large' : ''}`} aria-label="Head detail">
      {!large && (
        <div className="detail-head">
          <h2>
            {aggregation === 'head' ? (
              <>
                Head {props.selected.layer + 1}-{props.selected.head + 1}
                <span className="title-more"> (layer {props.selected.layer + 1}, head {props.selected.head + 1})</span>
              </>
            ) : (
              detailTitle(props.selected, aggregation)
            )}
          </h2>
          {props.badge}
          {props.actions}
        </div>
      )}
      {!large && (
        <div className="detail-toolbar" role="toolbar" aria-label="Head detail options">
          <label>
            Show
            <select name="aggregation" value={aggregation} onChange={(e) => props.onOptions({ aggregation: e.target.value as Aggregation })}>
              <option value="head">this head</option>
              <option value="layer">layer {props.selected.layer + 1} mean</option>
              <option value="all">all heads mean</option>
            </select>
          </label>
          <label>
            View
            <select name="view" value={view} onChange={(e) => props.onOptions({ view: e.target.value as 'map' | 'lines' })}>
              <option value="map">heatmap</option>
              <option value="lines">lines</option>
            </select>
          </label>
          <label className="check">
            <input type="checkbox" name="hide-cls" checked={hide.includes('cls')} onChange={(e) => props.onOptions({ hide: toggle(hide, 'cls', e.target.checked) })} /> hide [CLS]
          </label>
          <label className="check">
            <input type="checkbox" name="hide-sep" checked={hide.includes('sep')} onChange={(e) => props.onOptions({ hide: toggle(hide, 'sep', e.target.checked) })} /> hide [SEP]
          </label>
          <label className="check" title={rowSums}>
            <input type="checkbox" name="renormalise" checked={renormalise} disabled={!hiding} onChange={(e) => props.onOptions({ renormalise: e.target.checked })} /> renormalise
          </label>
        </div>
      )}
      {hiding && !large && <p className="row-sums" data-testid="row-sums">{rowSums}</p>}
      <div className="detail-fit" ref={fit}>
        <div className="detail-canvases" style={{ width, height }}>
          <canvas ref={main} data-testid="head-detail" data-view={view} data-tokens={data.tokens.length} data-label-font={view === 'map' ? heat.font : lines.font} data-label-step={view === 'map' ? heat.labelStep : 1} data-stagger={view === 'map' && heat.stagger ? '1' : '0'} width={width} height={height} aria-label={`${detailTitle(props.selected, aggregation)}: ${view === 'map' ? 'heatmap' : 'lines'} over ${data.tokens.length} tokens`} />
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
            <div className="hover-card" role="tooltip" data-testid="cell-tooltip" style={{ left: Math.max(0, Math.min(hover.x + 14, width - 200)), top: Math.min(hover.y + 14, height - 30) }}>
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
      </div>
      {!large && (
        <div className="detail-foot">
          {view === 'map' ? (
            <>
              <ColorLegend title="attention" width={120} />
              <span className="muted" title="Rows: the token that attends (from). Columns: the token attended to. Hover a cell for its weight, a token for its row and column.">
                rows attend → columns
              </span>
            </>
          ) : (
            <span className="muted">Lines: from each attending token (left) to the tokens it attends to (right); opacity = weight. Hover a token to see only its lines.</span>
          )}
        </div>
      )}
    </section>
  );
}

function toggle<T>(list: T[], item: T, on: boolean): T[] {
  return on ? (list.includes(item) ? list : [...list, item]) : list.filter((x) => x !== item);
}
