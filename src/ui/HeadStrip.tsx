import { useEffect, useRef } from 'react';
import { headMap, type HeadRef } from '../analysis/attentionView';
import { ATTENTION_LUT } from './colorScale';

/** One head's map as a small picture (nearest weight, no smoothing). */
function HeadThumb({ attentions, seqLen, length, head, size }: { attentions: Float32Array[]; seqLen: number; length: number; head: HeadRef; size: number }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const ctx = canvas.current?.getContext('2d');
    if (!ctx) return;
    const map = headMap(attentions, seqLen, head);
    const img = new ImageData(length, length);
    for (let r = 0; r < length; r++)
      for (let c = 0; c < length; c++) {
        const v = Math.max(0, Math.min(255, Math.round(map[r * seqLen + c] * 255))) * 3;
        img.data.set([ATTENTION_LUT[v], ATTENTION_LUT[v + 1], ATTENTION_LUT[v + 2], 255], (r * length + c) * 4);
      }
    const tile = new OffscreenCanvas(length, length);
    tile.getContext('2d')!.putImageData(img, 0, 0);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(tile, 0, 0, size, size);
  }, [attentions, seqLen, length, head.layer, head.head, size]);
  return <canvas ref={canvas} width={size} height={size} aria-hidden="true" />;
}

/**
 * Classroom mode's strip: the selected layer's heads as a column of thumbnails under a layer
 * stepper. A column costs no height, and height is what limits the big map.
 */
export function HeadStrip({ attentions, seqLen, length, heads, selected, onSelect, size }: {
  attentions: Float32Array[];
  seqLen: number;
  length: number;
  heads: number;
  selected: HeadRef;
  onSelect(ref: HeadRef): void;
  size: number;
}) {
  const layers = attentions.length;
  const layer = selected.layer;
  return (
    <nav className="head-strip" aria-label={`Heads of layer ${layer + 1}`}>
      <div className="layer-stepper">
        <button type="button" aria-label="Previous layer (↑)" disabled={layer === 0} onClick={() => onSelect({ layer: layer - 1, head: selected.head })}>
          ▲
        </button>
        <span className="num">L{layer + 1}</span>
        <button type="button" aria-label="Next layer (↓)" disabled={layer === layers - 1} onClick={() => onSelect({ layer: layer + 1, head: selected.head })}>
          ▼
        </button>
      </div>
      <ol>
        {Array.from({ length: heads }, (_, h) => (
          <li key={h}>
            <button type="button" className="thumb" aria-current={h === selected.head ? 'true' : undefined} aria-label={`Head ${layer + 1}-${h + 1}`} onClick={() => onSelect({ layer, head: h })}>
              <HeadThumb attentions={attentions} seqLen={seqLen} length={length} head={{ layer, head: h }} size={size} />
              <span className="num">H{h + 1}</span>
            </button>
          </li>
        ))}
      </ol>
    </nav>
  );
}
