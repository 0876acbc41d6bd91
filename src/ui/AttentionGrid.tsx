import { useEffect, useRef } from 'react';
import { paintMap } from './colorScale';

interface Props {
  /** Per layer, [1, heads, S, S]. */
  attentions: Float32Array[];
  heads: number;
  seqLen: number;
  cell?: number;
}

/** Layers as rows, heads as columns: every head's map on one canvas, labelled layer-head (1-indexed) as the paper does. */
export function AttentionGrid({ attentions, heads, seqLen, cell = 72 }: Props) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const layers = attentions.length;
  const gap = 4;
  const label = 14;
  useEffect(() => {
    const c = canvas.current;
    if (!c) return;
    const ctx = c.getContext('2d')!;
    ctx.clearRect(0, 0, c.width, c.height);
    const tile = new OffscreenCanvas(seqLen, seqLen);
    const tileCtx = tile.getContext('2d')!;
    const image = tileCtx.createImageData(seqLen, seqLen);
    ctx.imageSmoothingEnabled = false;
    ctx.font = '11px system-ui, sans-serif';
    ctx.fillStyle = '#444';
    for (let l = 0; l < layers; l++) {
      for (let h = 0; h < heads; h++) {
        paintMap(attentions[l].subarray(h * seqLen * seqLen, (h + 1) * seqLen * seqLen), seqLen, image);
        tileCtx.putImageData(image, 0, 0);
        const x = h * (cell + gap);
        const y = l * (cell + gap + label);
        ctx.fillText(`${l + 1}-${h + 1}`, x, y + 11);
        ctx.drawImage(tile, x, y + label, cell, cell);
      }
    }
  }, [attentions, heads, seqLen, cell, layers]);
  return (
    <canvas
      ref={canvas}
      className="attention-grid"
      data-testid="attention-grid"
      data-layers={layers}
      data-heads={heads}
      width={heads * (cell + gap)}
      height={layers * (cell + gap + label)}
      aria-label={`Attention maps of ${layers} layers × ${heads} heads`}
    />
  );
}
