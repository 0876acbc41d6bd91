import { softmax } from '../analysis/softmax';
import type { ModelInfo } from '../engine/client';
import { MAX_LISTED_FILLS, predictionRows } from './modelResult';

/** The classifier's output as label probabilities: one row per label the model declares. */
export function ClassPrediction({ model, logits, logitsDims }: { model: ModelInfo; logits: Float32Array; logitsDims: readonly number[] | null }) {
  const shown = predictionRows(model, logits, logitsDims);
  if ('problem' in shown) return <p className="hint" role="status">{shown.problem}</p>;
  const probs = softmax(Float32Array.from(shown.rows, (r) => r.logit));
  return (
    <table className="prediction" aria-label="Prediction">
      <tbody>
        {shown.rows.map((r, i) => (
          <tr key={i}>
            <th>{r.label}</th>
            <td>
              <meter min={0} max={1} value={probs[i]} /> {(probs[i] * 100).toFixed(1)}%
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A masked-LM's top guesses at each [MASK] (the first MAX_LISTED_FILLS of them). */
export function MaskFills({ fills }: { fills: { position: number; tokens: string[]; probs: number[] }[] }) {
  if (!fills.length) return <p className="hint">Write [MASK] in the sentence to see this model's guesses.</p>;
  const more = fills.length - MAX_LISTED_FILLS;
  return (
    <ul className="mask-fills" aria-label="Mask fills">
      {fills.slice(0, MAX_LISTED_FILLS).map((f) => (
        <li key={f.position}>
          [MASK] at {f.position}:{' '}
          {f.tokens.map((t, i) => (
            <span key={i} className="fill">
              {t} <small>{(f.probs[i] * 100).toFixed(0)}%</small>
            </span>
          ))}
        </li>
      ))}
      {more > 0 && <li className="hint">and {more} more [MASK] not listed</li>}
    </ul>
  );
}
