import { softmax } from '../analysis/softmax';
import type { ModelInfo } from '../engine/client';

/** The classifier's output as label probabilities. */
export function ClassPrediction({ model, logits }: { model: ModelInfo; logits: Float32Array }) {
  // Right after a switch from a masked LM, the last result still holds its vocabulary-sized logits
  // (hundreds of thousands of rows, which froze the page) until this model's first run returns.
  if (logits.length !== model.shape.numLabels) return null;
  const probs = softmax(logits);
  return (
    <table className="prediction" aria-label="Prediction">
      <tbody>
        {probs.map((p, i) => (
          <tr key={i}>
            <th>{model.shape.labels?.[i] ?? `LABEL_${i}`}</th>
            <td>
              <meter min={0} max={1} value={p} /> {(p * 100).toFixed(1)}%
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A masked-LM's top guesses at each [MASK]. */
export function MaskFills({ fills }: { fills: { position: number; tokens: string[]; probs: number[] }[] }) {
  if (!fills.length) return <p className="hint">Write [MASK] in the sentence to see this model's guesses.</p>;
  return (
    <ul className="mask-fills" aria-label="Mask fills">
      {fills.map((f) => (
        <li key={f.position}>
          [MASK] at {f.position}:{' '}
          {f.tokens.map((t, i) => (
            <span key={i} className="fill">
              {t} <small>{(f.probs[i] * 100).toFixed(0)}%</small>
            </span>
          ))}
        </li>
      ))}
    </ul>
  );
}
