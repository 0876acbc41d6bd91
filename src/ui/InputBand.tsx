import type { ReactNode } from 'react';
import type { Encoding } from '../engine/tokenizer';
import { ExamplesMenu } from './ExamplesMenu';
import { TokenChips } from './TokenChips';

/** The band under the model bar: sentence A and B (each grows with its text), examples, the model's prediction, and the tokens. */
export function InputBand({ textA, textB, onText, onError, encoding, maxLength, prediction }: {
  textA: string;
  textB: string;
  onText(textA: string, textB: string): void;
  onError(message: string): void;
  encoding: Encoding | null;
  maxLength: number | null;
  prediction: ReactNode;
}) {
  return (
    <section className="input-band" aria-label="Sentences and tokens">
      <div className="sentences">
        <label className="sentence sentence-a">
          <span className="tag" aria-hidden="true">
            A
          </span>
          <span className="sr-only">Sentence A</span>
          <textarea name="text-a" value={textA} rows={1} onChange={(e) => onText(e.target.value, textB)} />
        </label>
        <label className="sentence sentence-b">
          <span className="tag" aria-hidden="true">
            B
          </span>
          <span className="sr-only">Sentence B (optional)</span>
          <textarea name="text-b" value={textB} rows={1} placeholder="optional, for pair tasks" onChange={(e) => onText(textA, e.target.value)} />
        </label>
        <ExamplesMenu onPick={onText} onError={onError} />
        <div className="prediction-slot">{prediction}</div>
      </div>
      {encoding && maxLength !== null ? <TokenChips encoding={encoding} maxLength={maxLength} /> : <div className="tokens placeholder-line" aria-hidden="true" />}
    </section>
  );
}
