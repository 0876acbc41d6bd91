import { useId } from 'react';
import { colourOf, type ColourScale } from './colorScale';

const ATTENTION_01: ColourScale = { kind: 'attention', domain: [0, 1] };

const tick = (v: number) => (Math.abs(v) >= 10 ? v.toFixed(0) : Number(v.toPrecision(2)).toString());

/**
 * The legend of a coloured view: a bar of its scale with three ticks (low, middle, high), its
 * title, and words at the ends where they help ("hurts" / "helps"). Every map and table has one.
 */
export function ColorLegend({ scale = ATTENTION_01, title = 'attention', width = 120, ends, note, large }: {
  scale?: ColourScale;
  title?: string;
  width?: number;
  /** Words above the two ends of the bar. */
  ends?: [string, string];
  /** A short note after the bar (e.g. "shared by the four tables"). */
  note?: string;
  /** Classroom size. */
  large?: boolean;
}) {
  const id = `legend-${useId().replace(/[^A-Za-z0-9_-]/g, '')}`;
  const [lo, hi] = scale.domain;
  const stops = Array.from({ length: 11 }, (_, i) => <stop key={i} offset={`${i * 10}%`} stopColor={colourOf(scale, lo + ((hi - lo) * i) / 10)} />);
  const font = large ? 16 : 11;
  const bar = large ? 14 : 8;
  const top = ends ? font + 4 : 2;
  const height = top + bar + font + 6;
  const titleWidth = Math.ceil(title.length * font * 0.6) + 8;
  const x0 = titleWidth + 6;
  const ticks = [lo, (lo + hi) / 2, hi];
  return (
    <span className="color-legend" data-scale={scale.kind} data-domain={`${lo},${hi}`}>
      <svg width={x0 + width + 12} height={height} role="img" aria-label={`Colour scale: ${title} from ${tick(lo)} to ${tick(hi)}${ends ? ` (${ends[0]} to ${ends[1]})` : ''}`}>
        <defs>
          <linearGradient id={id}>{stops}</linearGradient>
        </defs>
        <text x={0} y={top + bar} fontSize={font} fill="currentColor">
          {title}
        </text>
        {ends && (
          <>
            <text x={x0} y={font} fontSize={font} fill="currentColor">
              {ends[0]}
            </text>
            <text x={x0 + width} y={font} fontSize={font} fill="currentColor" textAnchor="end">
              {ends[1]}
            </text>
          </>
        )}
        <rect x={x0} y={top} width={width} height={bar} fill={`url(#${id})`} stroke="#c3c9d1" strokeWidth={0.5} />
        {ticks.map((v, i) => (
          <g key={i} transform={`translate(${x0 + (width * i) / 2},${top + bar})`}>
            <line y2={3} stroke="currentColor" />
            <text y={font + 3} fontSize={font} fill="currentColor" textAnchor={i === 0 ? 'start' : i === 2 ? 'end' : 'middle'} className="num">
              {tick(v)}
            </text>
          </g>
        ))}
      </svg>
      {note && <span className="legend-note">{note}</span>}
    </span>
  );
}
