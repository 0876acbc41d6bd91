// Attention to special tokens, as Kovaleva et al. 2019 §4.4: per layer × head, how much attention
// the tokens of an example pay to [CLS], to [SEP], to punctuation and to negation words.
//
// For one example and one head, the attention paid to a token is the mean of its column over the
// unpadded attending rows (every unpadded row, special tokens included). When a class occurs several
// times (two [SEP] in a pair, several commas) the example's value is the largest of those column
// means, as the paper does. Examples in which a class does not occur are skipped for that class
// (not counted as 0), so each class has its own example count.
//
// The token classes are also used by the pattern features (patterns.ts), so they live here.

/** Bit flags of a token's classes (a token can be in several, e.g. none, or negation only). */
export const TOKEN_CLS = 1;
export const TOKEN_SEP = 2;
export const TOKEN_PUNCTUATION = 4;
export const TOKEN_NEGATION = 8;

export const SPECIAL_TOKEN_CLASSES = ['cls', 'sep', 'punctuation', 'negation'] as const;
export type SpecialTokenClass = (typeof SPECIAL_TOKEN_CLASSES)[number];

const CLASS_FLAGS: Record<SpecialTokenClass, number> = { cls: TOKEN_CLS, sep: TOKEN_SEP, punctuation: TOKEN_PUNCTUATION, negation: TOKEN_NEGATION };

/**
 * Whether a character is punctuation as BERT's BasicTokenizer defines it (`_is_punctuation`):
 * every non-letter, non-digit printable ASCII character (`!"#$%&'()*+,-./:;<=>?@[\]^_\`{|}~`),
 * plus every Unicode character of a punctuation category (P*: `’ “ ” — … ¿ «` and so on).
 * The tokenizer splits each such character off as a token of its own, so this is exactly the set
 * of tokens that BERT's pre-tokenizer makes out of punctuation.
 */
export function isPunctuationChar(ch: string): boolean {
  const cp = ch.codePointAt(0) ?? 0;
  if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126)) return true;
  return /^\p{P}$/u.test(ch);
}

/** A token made only of punctuation characters (`.` `,` `'` `"` `-` `?` `’` …); never [CLS]/[SEP]/[UNK]. */
export function isPunctuationToken(token: string): boolean {
  if (token.length === 0) return false;
  for (const ch of token) if (!isPunctuationChar(ch)) return false;
  return true;
}

/**
 * Negation words, as whole tokens of bert-base-uncased's vocabulary (each is one token there).
 * "without" is left out: it negates only sometimes.
 */
export const NEGATION_WORDS: ReadonlySet<string> = new Set(['not', 'no', 'never', 'nor', 'neither', 'none', 'nobody', 'nothing', 'nowhere', 'cannot']);

/**
 * The word before a contraction's apostrophe that makes "n't": BERT's pre-tokenizer splits at the
 * apostrophe, so "don't" is `don ' t`, "isn't" `isn ' t`, "can't" `can ' t`, "won't" `won ' t`,
 * and "mustn't"/"needn't" (not in the vocabulary) `must ##n ' t` / `need ##n ' t`. The negating
 * token is then the `t` after the apostrophe (`'` or `’`).
 */
export const NEGATION_CONTRACTION_STEMS: ReadonlySet<string> = new Set([
  'don', 'doesn', 'didn', 'isn', 'aren', 'wasn', 'weren', 'haven', 'hasn', 'hadn', 'can', 'couldn', 'won', 'wouldn', 'shouldn', 'ain', 'shan', '##n',
]);

const APOSTROPHES: ReadonlySet<string> = new Set(["'", '\u2019']);

/**
 * The class flags of the first `length` tokens. [CLS]/[SEP] are matched exactly (as the tokenizer
 * writes them); negation is matched case-insensitively so cased models work too.
 */
export function tokenClassFlags(tokens: readonly string[], length: number = tokens.length): Uint8Array {
  const flags = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    const token = tokens[i] ?? '';
    if (token === '[CLS]') flags[i] = TOKEN_CLS;
    else if (token === '[SEP]') flags[i] = TOKEN_SEP;
    else if (isPunctuationToken(token)) flags[i] = TOKEN_PUNCTUATION;
    else {
      const lower = token.toLowerCase();
      if (NEGATION_WORDS.has(lower)) flags[i] = TOKEN_NEGATION;
      else if (lower === 't' && i >= 2 && APOSTROPHES.has(tokens[i - 1]) && NEGATION_CONTRACTION_STEMS.has(tokens[i - 2].toLowerCase())) {
        flags[i] = TOKEN_NEGATION;
      }
    }
  }
  return flags;
}

export interface SpecialTokenAccumulator {
  readonly layers: number;
  readonly heads: number;
  /** Per class (SPECIAL_TOKEN_CLASSES order), [layer·heads + head]: sums over counted examples. */
  readonly sums: Float64Array[];
  /** Per class: examples in which the class occurs. */
  readonly counts: number[];
  /** Examples seen, with or without the classes. */
  examples: number;
  /** Last layer, [head·CLS_ROW_PARTS + part]: sums of the [CLS] row's split (see ClsRowSplit). */
  readonly clsRowSums: Float64Array;
  /** Examples with a [CLS] token, which the [CLS] row is averaged over. */
  clsRowCount: number;
}

// The parts of the last layer's [CLS] row, in clsRowSums order.
const CLS_ROW_PARTS = 5; // toCls, toSep, toPunctuation, toOther, otherMax

export function createSpecialTokenAccumulator(layers: number, heads: number): SpecialTokenAccumulator {
  return {
    layers,
    heads,
    sums: SPECIAL_TOKEN_CLASSES.map(() => new Float64Array(layers * heads)),
    counts: SPECIAL_TOKEN_CLASSES.map(() => 0),
    examples: 0,
    clsRowSums: new Float64Array(heads * CLS_ROW_PARTS),
    clsRowCount: 0,
  };
}

/** Checks the engine's per-layer arrays against the accumulator's shape; throws on a caller bug. */
export function checkBatchShape(attentions: readonly Float32Array[], layers: number, heads: number, seqLen: number, lengths: readonly number[]): void {
  if (attentions.length !== layers) throw new Error(`Expected attentions for ${layers} layers, got ${attentions.length}.`);
  const expected = lengths.length * heads * seqLen * seqLen;
  for (let l = 0; l < layers; l++) {
    if (attentions[l].length !== expected) {
      throw new Error(`Layer ${l + 1}'s attentions have ${attentions[l].length} values, not ${lengths.length} × ${heads} × ${seqLen} × ${seqLen} = ${expected}.`);
    }
  }
  for (const length of lengths) {
    if (!Number.isInteger(length) || length < 0 || length > seqLen) throw new Error(`Length ${length} is not an integer in 0…${seqLen}.`);
  }
}

/**
 * Adds one engine batch: per layer a Float32Array [batch, heads, S, S] (S = seqLen), with each
 * example's unpadded length and its tokens (token classes are read from these). Pass
 * `flagsPerExample` (from tokenClassFlags) to reuse flags already computed for the batch.
 */
export function addBatch(
  acc: SpecialTokenAccumulator,
  attentions: readonly Float32Array[],
  seqLen: number,
  lengths: readonly number[],
  tokensPerExample: readonly (readonly string[])[],
  flagsPerExample?: readonly Uint8Array[],
): void {
  const { layers, heads } = acc;
  checkBatchShape(attentions, layers, heads, seqLen, lengths);
  const size = seqLen * seqLen;
  const classFlags = SPECIAL_TOKEN_CLASSES.map((c) => CLASS_FLAGS[c]);
  const colMeans = new Float64Array(seqLen);
  for (let b = 0; b < lengths.length; b++) {
    const length = lengths[b];
    const flags = flagsPerExample?.[b] ?? tokenClassFlags(tokensPerExample[b], length);
    acc.examples++;
    if (length === 0) continue;
    // The columns worth reading: only tokens of some class (the rest never enter a statistic).
    const columns: number[] = [];
    for (let c = 0; c < length; c++) if (flags[c] !== 0) columns.push(c);
    const present = classFlags.map((f) => columns.some((c) => (flags[c] & f) !== 0));
    present.forEach((p, k) => { if (p) acc.counts[k]++; });
    if (columns.length > 0) {
      for (let l = 0; l < layers; l++) {
        const data = attentions[l];
        for (let h = 0; h < heads; h++) {
          const offset = (b * heads + h) * size;
          for (const c of columns) colMeans[c] = 0;
          for (let r = 0; r < length; r++) {
            const row = offset + r * seqLen;
            for (let i = 0; i < columns.length; i++) colMeans[columns[i]] += data[row + columns[i]];
          }
          for (let k = 0; k < classFlags.length; k++) {
            if (!present[k]) continue;
            let best = 0;
            for (const c of columns) if ((flags[c] & classFlags[k]) !== 0 && colMeans[c] > best) best = colMeans[c];
            acc.sums[k][l * heads + h] += best / length;
          }
        }
      }
    }
    addClsRow(acc, attentions[layers - 1], b, seqLen, length, flags);
  }
}

// The last layer's [CLS] row for one example: where [CLS] sends its attention, split by token class.
function addClsRow(acc: SpecialTokenAccumulator, data: Float32Array, b: number, seqLen: number, length: number, flags: Uint8Array): void {
  const cls = flags.indexOf(TOKEN_CLS);
  if (cls < 0 || cls >= length) return;
  acc.clsRowCount++;
  const { heads } = acc;
  for (let h = 0; h < heads; h++) {
    const row = (b * heads + h) * seqLen * seqLen + cls * seqLen;
    let toCls = 0;
    let toSep = 0;
    let toPunctuation = 0;
    let toOther = 0;
    let otherMax = 0;
    for (let c = 0; c < length; c++) {
      const w = data[row + c];
      const f = flags[c];
      if (f & TOKEN_CLS) toCls += w;
      else if (f & TOKEN_SEP) toSep += w;
      else if (f & TOKEN_PUNCTUATION) toPunctuation += w;
      else {
        toOther += w;
        if (w > otherMax) otherMax = w;
      }
    }
    const at = h * CLS_ROW_PARTS;
    acc.clsRowSums[at] += toCls;
    acc.clsRowSums[at + 1] += toSep;
    acc.clsRowSums[at + 2] += toPunctuation;
    acc.clsRowSums[at + 3] += toOther;
    acc.clsRowSums[at + 4] += otherMax;
  }
}

export interface SpecialTokenClassResult {
  /** [layer][head] mean attention paid to the class (column mean, max over occurrences); null when no example had the class. */
  mean: number[][] | null;
  /** Per layer, the mean over its heads (the paper's Fig. 6 curves); null as above. */
  perLayer: number[] | null;
  /** Examples in which the class occurs (the others were skipped). */
  count: number;
}

/**
 * The last layer's [CLS] row (paper Fig. 7), per head, averaged over examples. Positions cannot be
 * averaged across examples of different lengths, so the row is split by token class:
 * `toCls + toSep + toPunctuation + toOther` = the row's mass (1 for an ordinary head), where
 * negation words count as "other". `otherMax` is the largest weight on a single ordinary token:
 * high when [CLS] focuses on one content word, low when it spreads over the sentence.
 */
export interface ClsRowSplit {
  toCls: number[];
  toSep: number[];
  toPunctuation: number[];
  toOther: number[];
  otherMax: number[];
  /** Examples with a [CLS] token. */
  count: number;
}

export interface SpecialTokenResult {
  layers: number;
  heads: number;
  /** Examples seen. */
  examples: number;
  classes: Record<SpecialTokenClass, SpecialTokenClassResult>;
  /** null until an example with [CLS] was seen. */
  lastLayerClsRow: ClsRowSplit | null;
}

export function specialTokenResult(acc: SpecialTokenAccumulator): SpecialTokenResult {
  const { layers, heads } = acc;
  const classes = {} as Record<SpecialTokenClass, SpecialTokenClassResult>;
  SPECIAL_TOKEN_CLASSES.forEach((name, k) => {
    const count = acc.counts[k];
    if (count === 0) {
      classes[name] = { mean: null, perLayer: null, count };
      return;
    }
    const mean = Array.from({ length: layers }, (_, l) => Array.from({ length: heads }, (_, h) => acc.sums[k][l * heads + h] / count));
    const perLayer = mean.map((row) => row.reduce((s, v) => s + v, 0) / heads);
    classes[name] = { mean, perLayer, count };
  });
  let lastLayerClsRow: ClsRowSplit | null = null;
  if (acc.clsRowCount > 0) {
    const n = acc.clsRowCount;
    const part = (p: number) => Array.from({ length: heads }, (_, h) => acc.clsRowSums[h * CLS_ROW_PARTS + p] / n);
    lastLayerClsRow = { toCls: part(0), toSep: part(1), toPunctuation: part(2), toOther: part(3), otherMax: part(4), count: n };
  }
  return { layers, heads, examples: acc.examples, classes, lastLayerClsRow };
}
