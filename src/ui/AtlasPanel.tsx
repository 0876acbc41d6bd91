import type { HeadRef } from '../analysis/attentionView';
import { headMap, headSummary } from '../analysis/attentionView';
import type { Encoding } from '../engine/tokenizer';
import { AtlasGrid } from './AtlasGrid';
import { ColorLegend } from './ColorLegend';
import { HeadDetail, type DetailOptions } from './HeadDetail';
import { decodeHeadMask, emptyMask, encodeHeadMask } from './headMask';
import type { UrlState } from './urlState';

interface Props {
  state: UrlState;
  setState(update: (s: UrlState) => UrlState): void;
  attentions: Float32Array[];
  layers: number;
  heads: number;
  seqLen: number;
  encoding: Encoding;
  /** Extra words per head for the hover card (e.g. its pattern class once known). */
  headNote?(ref: HeadRef): string;
  isHighlighted?(layer: number, head: number): boolean;
  isDimmed?(layer: number, head: number): boolean;
  exportActions?(selected: HeadRef): React.ReactNode;
  /** Shown under the head detail (e.g. its pattern type and the user's label). */
  detailExtra?(selected: HeadRef): React.ReactNode;
  gridActions?: React.ReactNode;
  /** The model runs again (after an edit): the maps shown are the previous run's. */
  stale?: boolean;
}

/** Whether head (layer, head) is switched off by the state's head mask or layer list (0-indexed). */
export function headIsOff(state: Pick<UrlState, 'mask' | 'layersOff'>, layers: number, heads: number, layer: number, head: number): boolean {
  if (state.layersOff.includes(layer + 1)) return true;
  const mask = decodeHeadMask(state.mask);
  return !!mask && mask.layers === layers && mask.heads === heads && mask.disabled[layer * heads + head];
}

/** The workspace's first two panes: every head as a small map (the grid), and the selected head in detail. */
export function AtlasPanel({ state, setState, attentions, layers, heads, seqLen, encoding, headNote, isHighlighted, isDimmed, exportActions, gridActions, detailExtra, stale }: Props) {
  const length = encoding.tokens.length;
  const selected: HeadRef | null = state.head ? { layer: state.head.layer - 1, head: state.head.head - 1 } : null;
  const mask = decodeHeadMask(state.mask) ?? emptyMask(layers, heads);
  const layerOff = (l: number) => state.layersOff.includes(l + 1);
  const isDisabled = (l: number, h: number) => headIsOff(state, layers, heads, l, h);
  const select = (ref: HeadRef) => setState((s) => ({ ...s, head: { layer: ref.layer + 1, head: ref.head + 1 } }));
  const toggleHead = (ref: HeadRef) =>
    setState((s) => {
      const m = decodeHeadMask(s.mask) ?? emptyMask(layers, heads);
      const fitted = m.layers === layers && m.heads === heads ? m : emptyMask(layers, heads);
      fitted.disabled[ref.layer * heads + ref.head] = !fitted.disabled[ref.layer * heads + ref.head];
      return { ...s, mask: encodeHeadMask(fitted) };
    });
  const toggleLayer = (layer: number) =>
    setState((s) => ({ ...s, layersOff: s.layersOff.includes(layer + 1) ? s.layersOff.filter((l) => l !== layer + 1) : [...s.layersOff, layer + 1].sort((a, b) => a - b) }));
  const describe = (ref: HeadRef) => {
    const s = headSummary(headMap(attentions, seqLen, ref), seqLen, length, encoding.tokens);
    const off = isDisabled(ref.layer, ref.head) ? ' · switched off' : '';
    const note = headNote?.(ref);
    // Entropy as the pattern card shows it: mean row entropy ÷ ln(tokens), 0 = focused, 1 = even.
    const entropy = s.entropy / Math.log(Math.max(2, length));
    return `${ref.layer + 1}-${ref.head + 1}${note ? ` · ${note}` : ''} · max ${s.max.toFixed(2)} · entropy ${entropy.toFixed(2)} · to [CLS] ${s.toCls.toFixed(2)} · to [SEP] ${s.toSep.toFixed(2)} · to ±1 ${s.toNeighbours.toFixed(2)}${off}`;
  };
  const maskedCount = mask.layers === layers && mask.heads === heads ? mask.disabled.filter(Boolean).length : 0;

  return (
    <>
      <section className={`pane pane-grid${stale ? ' stale' : ''}`} aria-label="Heads">
        <header className="pane-head">
          <h2>Heads</h2>
          <span className="muted num">
            {layers} layers × {heads} heads
          </span>
          <span className="spacer" />
          {gridActions}
        </header>
        <div className="pane-body grid-body">
          <AtlasGrid
            attentions={attentions}
            heads={heads}
            seqLen={seqLen}
            length={length}
            selected={selected}
            onSelect={select}
            onOpen={select}
            onToggleHead={toggleHead}
            onToggleLayer={toggleLayer}
            isDisabled={isDisabled}
            isHighlighted={isHighlighted}
            isDimmed={isDimmed}
            describe={describe}
          />
        </div>
        <footer className="pane-foot">
          <ColorLegend title="attention" width={110} />
          <div className="mask-controls">
            <span data-testid="mask-count" className="num">
              {maskedCount} head{maskedCount === 1 ? '' : 's'} and {state.layersOff.length} layer{state.layersOff.length === 1 ? '' : 's'} off
            </span>
            {(maskedCount > 0 || state.layersOff.length > 0) && (
              <button type="button" className="quiet" onClick={() => setState((s) => ({ ...s, mask: '', layersOff: [] }))}>
                Turn all back on
              </button>
            )}
            <label>
              Switched-off heads
              <select name="disable-mode" value={state.disableMode} onChange={(e) => setState((s) => ({ ...s, disableMode: e.target.value as 'zero' | 'uniform' }))}>
                <option value="zero">output zero</option>
                <option value="uniform">attend evenly</option>
              </select>
            </label>
          </div>
          <p className="hint">Shift+click or X: switch a head off · click L1…: a layer</p>
        </footer>
      </section>
      <section className={`pane pane-detail${stale ? ' stale' : ''}`} aria-label="Selected head">
        {selected ? (
          <>
            <HeadDetail
              attentions={attentions}
              heads={heads}
              seqLen={seqLen}
              length={length}
              tokens={encoding.tokens}
              segments={encoding.tokenTypeIds}
              selected={selected}
              view={state.view}
              aggregation={state.aggregation}
              hide={state.hide}
              renormalise={state.renormalise}
              onOptions={(change: Partial<DetailOptions>) => setState((s) => ({ ...s, ...change }))}
              actions={
                <div className="detail-actions">
                  <button type="button" name="toggle-head" onClick={() => toggleHead(selected)} title="Switch this head off (X) or back on">
                    {isDisabled(selected.layer, selected.head) && !layerOff(selected.layer) ? 'Switch on' : 'Switch off'}
                  </button>
                  <button type="button" name="toggle-layer" onClick={() => toggleLayer(selected.layer)} title="Switch this head's whole layer off or back on">
                    {layerOff(selected.layer) ? `Layer ${selected.layer + 1} on` : `Layer ${selected.layer + 1} off`}
                  </button>
                  {exportActions?.(selected)}
                </div>
              }
            />
            {detailExtra?.(selected)}
          </>
        ) : (
          <p className="hint pick-a-head">Pick a head in the grid (click it, or focus the grid and use the arrow keys) to see it here in detail.</p>
        )}
      </section>
    </>
  );
}
