import type { Encoding } from '../engine/tokenizer';

/** The tokenization as chips on one line (it scrolls sideways): word pieces, special tokens, and the segment of each token. */
export function TokenChips({ encoding, maxLength }: { encoding: Encoding; maxLength: number }) {
  return (
    <div className="tokens">
      <ol className="token-chips" aria-label={`Tokens (${encoding.tokens.length})`} tabIndex={0}>
        {encoding.tokens.map((t, i) => (
          <li key={i} className={`chip segment-${encoding.tokenTypeIds[i]}${/^\[[A-Z]+\]$/.test(t) ? ' special' : ''}${t.startsWith('##') ? ' piece' : ''}`}>
            {t}
          </li>
        ))}
      </ol>
      <span className="token-count num">{encoding.tokens.length} tokens</span>
      {encoding.truncated && (
        <p className="notice truncation" role="status">
          The input has {encoding.truncated.from} tokens; this model takes at most {maxLength}, so it was cut to {encoding.truncated.to}.
        </p>
      )}
    </div>
  );
}
