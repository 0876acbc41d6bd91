import { ColorLegend } from './ColorLegend';
import { colourOf, textOn, type ColourScale } from './colorScale';

/** A layer × head table of values (layers down, heads across, as the grid), coloured on the scale given, with its legend under it. */
export function HeadTable({ values, label, scale, legendTitle, legendNote, testId, format = (v) => v.toFixed(2), onPick }: {
  values: number[][];
  label: string;
  scale: ColourScale;
  legendTitle: string;
  legendNote?: string;
  testId?: string;
  format?: (v: number) => string;
  onPick?(layer: number, head: number): void;
}) {
  const dense = (values[0]?.length ?? 0) > 6;
  return (
    <figure className="head-table-figure">
      <table className={`head-table${dense ? ' dense' : ''}`} aria-label={label} data-testid={testId}>
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
              <th>L{l + 1}</th>
              {row.map((v, h) => (
                <td key={h} data-value={v} style={{ background: colourOf(scale, v), color: textOn(scale, v), cursor: onPick ? 'pointer' : undefined }} title={`${l + 1}-${h + 1}: ${format(v)}`} onClick={onPick ? () => onPick(l, h) : undefined}>
                  {dense ? '' : format(v)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      <ColorLegend scale={scale} title={legendTitle} note={legendNote} width={110} />
    </figure>
  );
}
