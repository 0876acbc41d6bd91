import { estimateSeconds, formatDuration } from './throughput';

const SIZES = [16, 32, 64, 100, 200, 500, 1000];

/**
 * How many of the task's dev examples a job uses: a small sample first (fast), and "all" one
 * click away with how long it would take at the speed measured on this model so far.
 */
export function SampleControl({ name, value, total, onChange, rateKey, disabled }: {
  name: string;
  /** The first n examples; 0 = all. */
  value: number;
  /** Examples in the dev set, once read. */
  total: number | null;
  onChange(n: number): void;
  /** The throughput.ts key of the job this sample is for. */
  rateKey: string;
  disabled?: boolean;
}) {
  const sizes = SIZES.filter((n) => total === null || n < total);
  const allTime = total !== null ? estimateSeconds(rateKey, total) : null;
  return (
    <span className="sample-control">
      <label>
        Examples
        <select name={name} value={value} disabled={disabled} onChange={(e) => onChange(Number(e.target.value))}>
          {!sizes.includes(value) && value !== 0 && <option value={value}>first {value}</option>}
          {sizes.map((n) => (
            <option key={n} value={n}>
              first {n}
            </option>
          ))}
          <option value={0}>all{total !== null ? ` ${total}` : ''}</option>
        </select>
      </label>
      {value !== 0 && total !== null && value < total && (
        <button type="button" className="quiet" name={`${name}-all`} disabled={disabled} onClick={() => onChange(0)} title="Use the whole dev set">
          Use all {total}
          {allTime !== null ? ` (${formatDuration(allTime)})` : ''}
        </button>
      )}
    </span>
  );
}
