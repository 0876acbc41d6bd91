import { interpolateViridis, scaleSequential } from 'd3';

/** A layer × head table of values, coloured on one scale (viridis over [min, max]), for Figs. 5 and 6-style maps. */
export function HeadTable({ values, label, domain, testId, format = (v) => v.toFixed(2), onPick }: {
  values: number[][];
  label: string;
  domain: [number, number];
  testId?: string;
  format?: (v: number) => string;
  onPick?(layer: number, head: number): void;
}) {
  const colour = scaleSequential(interpolateViridis).domain(domain);
  const mid = (domain[0] + domain[1]) / 2;
  return (
    <table className="head-table" aria-label={label} data-testid={testId}>
      <caption>{label}</caption>
      <thead>
        <tr>
          <th />
          {values[0]?.map((_, h) => <th key={h}>{h + 1}</th>)}
        </tr>
      </thead>
      <tbody>
        {values.map((row, l) => (
          <tr key={l}>
            <th>layer {l + 1}</th>
            {row.map((v, h) => (
              <td key={h} data-value={v} style={{ background: colour(v), color: v > mid ? '#000' : '#fff', cursor: onPick ? 'pointer' : undefined }} title={`${l + 1}-${h + 1}: ${format(v)}`} onClick={onPick ? () => onPick(l, h) : undefined}>
                {format(v)}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
