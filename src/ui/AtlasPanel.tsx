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
  exportActions?(selected: HeadRef): React.ReactNode;
  /** Shown under the head detail (e.g. its pattern type and the user's label). */
  detailExtra?(selected: HeadRef): React.ReactNode;
  gridActions?: React.ReactNode;
}

/** The atlas: every head as a small map, and the selected head in detail, with head and layer switches. */
export function AtlasPanel({ state, setState, attentions, layers, heads, seqLen, encoding, headNote, isHighlighted, exportActions, gridActions, detailExtra }: Props) {
  const length = encoding.tokens.length;
  const selected: HeadRef | null = state.head ? { layer: state.head.layer - 1, head: state.head.head - 1 } : null;
  const mask = decodeHeadMask(state.mask) ?? emptyMask(layers, heads);
  const layerOff = (l: number) => state.layersOff.includes(l + 1);
  const isDisabled = (l: number, h: number) => layerOff(l) || (mask.layers === layers && mask.heads === heads && mask.disabled[l * heads + h]);
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
    const off = isDisabled(ref.layer, ref.head) ? ' · disabled' : '';
    const note = headNote?.(ref);
    return `${ref.layer + 1}-${ref.head + 1}${note ? ` · ${note}` : ''} · max ${s.max.toFixed(2)} · entropy ${s.entropy.toFixed(2)} · to [CLS] ${s.toCls.toFixed(2)} · to [SEP] ${s.toSep.toFixed(2)} · to ±1 ${s.toNeighbours.toFixed(2)}${off}`;
  };
  const maskedCount = mask.disabled.filter(Boolean).length;

  return (
    <div className={`atlas${state.classroom ? ' classroom-atlas' : ''}`}>
      <div className="atlas-grid-column">
        <div className="grid-toolbar">
          <ColorLegend width={state.classroom ? 160 : 200} />
          {!state.classroom && (
            <div className="mask-controls">
              <label>
                Disabled heads
                <select name="disable-mode" value={state.disableMode} onChange={(e) => setState((s) => ({ ...s, disableMode: e.target.value as 'zero' | 'uniform' }))}>
                  <option value="zero">are zeroed</option>
                  <option value="uniform">attend uniformly</option>
                </select>
              </label>
              <span data-testid="mask-count">
                {maskedCount} head{maskedCount === 1 ? '' : 's'} and {state.layersOff.length} layer{state.layersOff.length === 1 ? '' : 's'} off
              </span>
              {(maskedCount > 0 || state.layersOff.length > 0) && (
                <button type="button" onClick={() => setState((s) => ({ ...s, mask: '', layersOff: [] }))}>
                  Turn all back on
                </button>
              )}
              <details className="layer-switches">
                <summary>Layers</summary>
                {Array.from({ length: layers }, (_, l) => (
                  <label key={l}>
                    <input type="checkbox" name={`layer-${l + 1}`} checked={!layerOff(l)} onChange={() => toggleLayer(l)} /> {l + 1}
                  </label>
                ))}
              </details>
            </div>
          )}
          {gridActions}
        </div>
        <AtlasGrid
          attentions={attentions}
          heads={heads}
          seqLen={seqLen}
          length={length}
          selected={selected}
          onSelect={select}
          onOpen={select}
          onToggleHead={state.classroom ? undefined : toggleHead}
          isDisabled={isDisabled}
          isHighlighted={isHighlighted}
          describe={describe}
          compact={state.classroom}
        />
        {!state.classroom && <p className="hint">Click a head to open it; arrow keys move the selection; Shift+click or X disables a head.</p>}
      </div>
      {selected ? (
        <div className="detail-column">
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
          maxSide={state.classroom ? Math.max(320, Math.min(640, window.innerHeight - 330)) : 640}
          onOptions={(change: Partial<DetailOptions>) => setState((s) => ({ ...s, ...change }))}
          actions={
            !state.classroom && (
              <div className="detail-actions">
                <button type="button" name="toggle-head" onClick={() => toggleHead(selected)}>
                  {isDisabled(selected.layer, selected.head) && !layerOff(selected.layer) ? 'Enable this head' : 'Disable this head'}
                </button>
                <button type="button" name="toggle-layer" onClick={() => toggleLayer(selected.layer)}>
                  {layerOff(selected.layer) ? `Enable layer ${selected.layer + 1}` : `Disable layer ${selected.layer + 1}`}
                </button>
                {exportActions?.(selected)}
              </div>
            )
          }
        />
        {detailExtra?.(selected)}
        </div>
      ) : (
        <p className="hint pick-a-head">Pick a head in the grid to see it in detail.</p>
      )}
    </div>
  );
}
