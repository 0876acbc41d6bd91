import { axisBottom, axisLeft, scaleLinear, schemeTableau10, select } from 'd3';
import { useEffect, useRef } from 'react';

/** Per-layer curves (the paper's Figs. 5 and 6): one line per series over layers 1…L. */
export function LayerCurves({ series, label, yMax, testId }: { series: { name: string; values: number[] }[]; label: string; yMax?: number; testId?: string }) {
  const width = 360;
  const height = 200;
  const m = { top: 10, right: 110, bottom: 30, left: 40 };
  const layers = Math.max(1, ...series.map((s) => s.values.length));
  const x = scaleLinear([1, Math.max(2, layers)], [m.left, width - m.right]);
  const top = yMax ?? Math.max(0.05, ...series.flatMap((s) => s.values));
  const y = scaleLinear([0, top], [height - m.bottom, m.top]).nice();
  const xAxis = useRef<SVGGElement>(null);
  const yAxis = useRef<SVGGElement>(null);
  useEffect(() => {
    if (xAxis.current) select(xAxis.current).call(axisBottom(x).ticks(Math.min(layers, 12)).tickFormat((d) => String(d)));
    if (yAxis.current) select(yAxis.current).call(axisLeft(y).ticks(5));
  });
  return (
    <svg className="layer-curves" width={width} height={height} role="img" aria-label={label} data-testid={testId}>
      <g ref={xAxis} transform={`translate(0,${height - m.bottom})`} />
      <g ref={yAxis} transform={`translate(${m.left},0)`} />
      <text x={(m.left + width - m.right) / 2} y={height - 2} fontSize={10} textAnchor="middle" fill="currentColor">
        layer
      </text>
      {series.map((s, k) => (
        <g key={s.name} data-series={s.name}>
          <polyline fill="none" stroke={schemeTableau10[k % 10]} strokeWidth={2} points={s.values.map((v, l) => `${x(l + 1)},${y(v)}`).join(' ')} />
          {s.values.map((v, l) => <circle key={l} cx={x(l + 1)} cy={y(v)} r={2.5} fill={schemeTableau10[k % 10]}><title>{`${s.name}, layer ${l + 1}: ${v.toFixed(3)}`}</title></circle>)}
          <text x={width - m.right + 8} y={m.top + 12 + k * 14} fontSize={11} fill={schemeTableau10[k % 10]}>
            {s.name}
          </text>
        </g>
      ))}
    </svg>
  );
}
