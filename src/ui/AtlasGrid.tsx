import { useLayoutEffect, useRef, useState } from 'react';
import type { HeadRef } from '../analysis/attentionView';
import { drawGrid, drawGridOverlay } from './gridDrawing';
import { fitGrid, headAt, layerLabelAt, moveSelection } from './gridLayout';

interface Props {
  /** Per layer, [1, heads, S, S]. */
  attentions: Float32Array[];
  heads: number;
  seqLen: number;
  /** Unpadded length. */
  length: number;
  selected: HeadRef | null;
  onSelect(ref: HeadRef): void;
  onOpen(ref: HeadRef): void;
  onToggleHead?(ref: HeadRef): void;
  isDisabled(layer: number, head: number): boolean;
  isHighlighted?(layer: number, head: number): boolean;
  /** One line about a head, for the hover card. */
  describe(ref: HeadRef): string;
  onToggleLayer?(layer: number): void;
  /** Heads drawn faded (e.g. not of the pattern type picked in the Types panel). */
  isDimmed?(layer: number, head: number): boolean;
}

/**
 * Layers as rows, heads as columns, every head's map on one canvas, with head numbers on top and
 * layer numbers on the left (from 1, as the paper counts). The grid fills the space its pane gives
 * it. Selection and hover live on an overlay canvas, so moving the selection never repaints the maps.
 */
export function AtlasGrid(props: Props) {
  const { attentions, heads, seqLen, length, selected } = props;
  const layers = attentions.length;
  const wrap = useRef<HTMLDivElement>(null);
  const maps = useRef<HTMLCanvasElement>(null);
  const overlay = useRef<HTMLCanvasElement>(null);
  const [size, setSize] = useState({ width: 400, height: 400 });
  const [hovered, setHovered] = useState<{ ref: HeadRef; x: number; y: number } | null>(null);
  const layout = fitGrid(layers, heads, size.width, size.height);
  const docked = size.height - layout.height >= 96;

  useLayoutEffect(() => {
    const el = wrap.current;
    if (!el) return;
    const measure = () => setSize({ width: Math.max(120, el.clientWidth), height: Math.max(120, el.clientHeight) });
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    measure();
    return () => observer.disconnect();
  }, []);

  // Before the browser paints: resizing the canvas clears it, and a blank frame would flash.
  useLayoutEffect(() => {
    const ctx = maps.current?.getContext('2d');
    if (ctx) drawGrid(ctx, layout, attentions, seqLen, length);
  }, [attentions, seqLen, length, layout.cell, layers, heads]);

  const propsRef = useRef(props);
  propsRef.current = props;
  useLayoutEffect(() => {
    const ctx = overlay.current?.getContext('2d');
    if (!ctx) return;
    const p = propsRef.current;
    drawGridOverlay(ctx, layout, { selected, hovered: hovered?.ref ?? null, disabled: p.isDisabled, highlighted: p.isHighlighted ?? (() => false), dimmed: p.isDimmed });
  });

  const refAt = (e: React.MouseEvent) => {
    const r = overlay.current!.getBoundingClientRect();
    return headAt(layout, e.clientX - r.left, e.clientY - r.top);
  };

  return (
    <div className="atlas-grid" ref={wrap}>
      <div
        className="grid-canvases"
        style={{ width: layout.width, height: layout.height }}
        tabIndex={0}
        role="grid"
        aria-label={`Attention maps of ${layers} layers × ${heads} heads. Arrow keys move the selection, Enter opens a head, X switches it off.`}
        aria-activedescendant={undefined}
        onKeyDown={(e) => {
          const from = selected ?? { layer: 0, head: 0 };
          const next = moveSelection(layout, from, e.key);
          if (next) {
            e.preventDefault();
            props.onSelect(next);
          } else if (e.key === 'Enter' || e.key === ' ') {
            e.preventDefault();
            props.onOpen(from);
          } else if ((e.key === 'x' || e.key === 'X') && props.onToggleHead) {
            e.preventDefault();
            props.onToggleHead(from);
          }
        }}
      >
        <canvas ref={maps} data-testid="attention-grid" data-layers={layers} data-heads={heads} data-cell={layout.cell} data-gap={layout.gap} data-left={layout.left} data-top={layout.top} width={layout.width} height={layout.height} />
        <canvas
          ref={overlay}
          className="grid-overlay"
          data-testid="grid-overlay"
          width={layout.width}
          height={layout.height}
          onMouseMove={(e) => {
            const ref = refAt(e);
            const r = overlay.current!.getBoundingClientRect();
            setHovered(ref ? { ref, x: e.clientX - r.left, y: e.clientY - r.top } : null);
          }}
          onMouseLeave={() => setHovered(null)}
          onClick={(e) => {
            const ref = refAt(e);
            if (!ref) {
              const r = overlay.current!.getBoundingClientRect();
              const layer = layerLabelAt(layout, e.clientX - r.left, e.clientY - r.top);
              if (layer !== null && props.onToggleLayer) props.onToggleLayer(layer);
              return;
            }
            if ((e.shiftKey || e.altKey) && props.onToggleHead) props.onToggleHead(ref);
            else props.onOpen(ref);
          }}
        />
        {hovered && !docked && (
          <div className="hover-card" role="tooltip" style={{ left: Math.max(0, Math.min(hovered.x + 12, layout.width - 220)), top: hovered.y + 60 > layout.height ? Math.max(0, hovered.y - 64) : hovered.y + 12 }}>
            {props.describe(hovered.ref)}
          </div>
        )}
      </div>
      {docked && (hovered || selected) && (
        // With room under the grid, the card docks there instead of covering the maps.
        <div className="docked-card" data-testid="docked-card" style={{ top: layout.height + 10, width: Math.max(240, Math.min(layout.width, 420)) }}>
          <span className="muted">{hovered ? 'hovered' : 'selected'}</span>
          <p role={hovered ? 'tooltip' : undefined}>{props.describe(hovered ? hovered.ref : selected!)}</p>
        </div>
      )}
      <p className="sr-only" aria-live="polite">
        {selected ? `Selected head ${selected.layer + 1}-${selected.head + 1}. ${props.describe(selected)}` : ''}
      </p>
    </div>
  );
}
