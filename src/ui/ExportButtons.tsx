import type { Aggregation, HeadRef } from '../analysis/attentionView';
import type { Encoding } from '../engine/tokenizer';
import { attentionCsv, attentionJson, canvasPng, downloadFile, exportFileName, gridSvg, headSvg } from './exporters';
import { detailData, detailTitle, type DetailOptions } from './HeadDetail';
import type { LoadedModelName } from './modelText';

interface Common {
  /** The loaded model, as exports name it. */
  modelName: LoadedModelName;
  attentions: Float32Array[];
  heads: number;
  seqLen: number;
  encoding: Encoding;
}

const AGGREGATION_NAMES: Record<Aggregation, 'head' | 'layer-mean' | 'all-mean'> = { head: 'head', layer: 'layer-mean', all: 'all-mean' };

/** Downloads of what the detail view shows: PNG and SVG pictures, CSV and JSON numbers with the tokens. */
export function HeadExportButtons(p: Common & DetailOptions & { selected: HeadRef; textA: string; textB: string }) {
  const data = () => detailData({ ...p, length: p.encoding.tokens.length, tokens: p.encoding.tokens, segments: p.encoding.tokenTypeIds });
  const kind = p.aggregation === 'head' ? 'attention' : p.aggregation === 'layer' ? 'layer-mean' : 'all-heads-mean';
  const name = (ext: string) => exportFileName({ model: p.modelName.model, layer: p.aggregation === 'all' ? undefined : p.selected.layer + 1, head: p.aggregation === 'head' ? p.selected.head + 1 : undefined, kind, ext });
  const title = detailTitle(p.selected, p.aggregation);
  return (
    <details className="menu export-buttons">
      <summary title="Download this map as a picture or as numbers">Export</summary>
      <span className="menu-list" role="group" aria-label="Export this map">
      <button type="button" name="export-head-png" onClick={async () => downloadFile(name('png'), await canvasPng(document.querySelector<HTMLCanvasElement>('[data-testid="head-detail"]')!), 'image/png')}>
        PNG
      </button>
      <button type="button" name="export-head-svg" onClick={() => { const d = data(); downloadFile(name('svg'), headSvg({ matrix: d.map, tokens: d.tokens, title }), 'image/svg+xml'); }}>
        SVG
      </button>
      <button type="button" name="export-head-csv" onClick={() => { const d = data(); downloadFile(name('csv'), attentionCsv(d.map, d.tokens, d.tokens), 'text/csv'); }}>
        CSV
      </button>
      <button
        type="button"
        name="export-head-json"
        onClick={() => {
          const d = data();
          const json = attentionJson({
            model: p.modelName.model,
            revision: p.modelName.revision ?? undefined,
            host: p.modelName.host ?? undefined,
            identity: p.modelName.identity,
            text: { a: p.textA, b: p.textB || undefined },
            layer: p.aggregation === 'all' ? undefined : p.selected.layer + 1,
            head: p.aggregation === 'head' ? p.selected.head + 1 : undefined,
            aggregation: AGGREGATION_NAMES[p.aggregation],
            tokens: d.tokens,
            segments: d.segments,
            matrix: d.map,
          });
          downloadFile(name('json'), json, 'application/json');
        }}
      >
        JSON
      </button>
      </span>
    </details>
  );
}

/** The whole grid as PNG (the canvas as drawn, with labels) or SVG (one embedded image per head). */
export function GridExportButtons(p: Common) {
  const name = (ext: string) => exportFileName({ model: p.modelName.model, kind: 'grid', ext });
  return (
    <details className="menu export-buttons">
      <summary title="Download the whole grid">Export</summary>
      <span className="menu-list" role="group" aria-label="Export the grid">
      <button type="button" name="export-grid-png" onClick={async () => downloadFile(name('png'), await canvasPng(document.querySelector<HTMLCanvasElement>('[data-testid="attention-grid"]')!), 'image/png')}>
        PNG
      </button>
      <button type="button" name="export-grid-svg" onClick={() => downloadFile(name('svg'), gridSvg({ attentions: p.attentions, heads: p.heads, seqLen: p.seqLen, title: `${p.modelName.model}: attention of every head` }), 'image/svg+xml')}>
        SVG
      </button>
      </span>
    </details>
  );
}
