import { axisBottom, scaleLinear, select } from 'd3';
import { useEffect, useRef } from 'react';
import { ATTENTION_LUT } from './colorScale';

/** The one colour scale of every map: viridis over attention weight 0–1, with a d3 axis. */
export function ColorLegend({ width = 200, label = 'attention weight' }: { width?: number; label?: string }) {
  const axis = useRef<SVGGElement>(null);
  useEffect(() => {
    if (axis.current) select(axis.current).call(axisBottom(scaleLinear([0, 1], [0, width])).ticks(5));
  }, [width]);
  const stops = Array.from({ length: 11 }, (_, i) => {
    const v = Math.round((i / 10) * 255) * 3;
    return <stop key={i} offset={`${i * 10}%`} stopColor={`rgb(${ATTENTION_LUT[v]},${ATTENTION_LUT[v + 1]},${ATTENTION_LUT[v + 2]})`} />;
  });
  return (
    <svg className="color-legend" width={width + 20} height={44} role="img" aria-label={`Colour scale: ${label} from 0 to 1`}>
      <defs>
        <linearGradient id="viridis-legend">{stops}</linearGradient>
      </defs>
      <text x={10} y={10} fontSize={11} fill="currentColor">
        {label}
      </text>
      <rect x={10} y={14} width={width} height={10} fill="url(#viridis-legend)" />
      <g ref={axis} transform="translate(10,24)" />
    </svg>
  );
}
