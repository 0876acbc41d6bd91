// Seeded, labelled synthetic attention maps of the five pattern types, to test the rule classifier
// and the fitted model against known answers. Every map is a plain row-stochastic length × length
// Float32Array (rows sum to 1), with made-up tokens that have [CLS], [SEP] and punctuation where
// BERT's would be.
//
// Pure maps:
// - vertical: every row on the same 1–3 columns ([CLS], a [SEP], both [SEP]s, or punctuation), with
//   per-map weights and a little per-row jitter;
// - diagonal: every row on the previous token, the next token, both, or those and itself;
// - vertical+diagonal: a mix of the two, the vertical part weighing 35–65%;
// - block (pairs only): every row spread over its own sentence (random, not too peaked);
// - heterogeneous: every row spread over the whole example with random, content-like peaks.
// Noise: each row is mixed with a random row (exponential weights, "Dirichlet(1)"-like) and the
// uniform row, with a total weight drawn in [0, maxNoise] (default 0.3) and split at random.

import { mulberry32 } from './bootstrap';
import { PATTERN_TYPES, type PatternType } from './patterns';

export interface SyntheticMap {
  type: PatternType;
  /** length × length, row-major, rows sum to 1. */
  map: Float32Array;
  length: number;
  tokens: string[];
  segments: number[];
  pair: boolean;
  /** The total weight of the noise mixed into every row. */
  noise: number;
}

export interface SyntheticSetOptions {
  /** PRNG seed; the same seed and options give the same maps. */
  seed: number;
  /** How many maps (default 1000), cycling through `types` so every type has its share. */
  count?: number;
  /** Lengths are drawn uniformly in [minLength, maxLength] (default 8–128). */
  minLength?: number;
  maxLength?: number;
  /** Maximum total noise weight per row (default 0.3); 0 gives pure maps. */
  maxNoise?: number;
  /** Share of sentence pairs among the types that allow both (default 0.5); block is always a pair. */
  pairShare?: number;
  /** The types to generate (default all five). */
  types?: readonly PatternType[];
}

const WORDS = ['the', 'cat', 'sat', 'on', 'mat', 'a', 'movie', 'was', 'not', 'good', 'it', 'is', '##s', 'very', 'and', 'of', 'to', 'play', '##ing', 'they'];
const PUNCTUATION = [',', ',', '.', ';', '!', '?', '"', "'", '-'];

/** Made-up BERT-like tokens: [CLS] words [SEP] (words [SEP]), with some punctuation and a final period per sentence. */
export function syntheticTokens(length: number, pair: boolean, random: () => number): { tokens: string[]; segments: number[] } {
  if (length < (pair ? 5 : 3)) throw new Error(`A synthetic ${pair ? 'pair' : 'sentence'} needs at least ${pair ? 5 : 3} tokens, not ${length}.`);
  // Words with some punctuation inside (not in sentences under 4 tokens, which would be mostly
  // punctuation) and a final period.
  const sentence = (n: number) =>
    Array.from({ length: n }, (_, i) =>
      i === n - 1 && n > 1 ? '.' : n >= 4 && random() < 0.12 ? PUNCTUATION[Math.floor(random() * PUNCTUATION.length)] : WORDS[Math.floor(random() * WORDS.length)],
    );
  if (!pair) {
    const a = sentence(length - 2);
    return { tokens: ['[CLS]', ...a, '[SEP]'], segments: new Array(length).fill(0) };
  }
  const content = length - 3;
  const lengthA = Math.max(1, Math.min(content - 1, Math.round(content * (0.3 + 0.4 * random()))));
  const a = sentence(lengthA);
  const b = sentence(content - lengthA);
  const tokens = ['[CLS]', ...a, '[SEP]', ...b, '[SEP]'];
  const segments = tokens.map((_, i) => (i <= lengthA + 1 ? 0 : 1));
  return { tokens, segments };
}

// Exponential(1) draws: normalised, they are a Dirichlet(1, …, 1) row.
const exponential = (random: () => number) => -Math.log(1 - random());

function normaliseRow(row: Float64Array): void {
  let sum = 0;
  for (let i = 0; i < row.length; i++) sum += row[i];
  if (sum > 0) for (let i = 0; i < row.length; i++) row[i] /= sum;
}

/** The columns a vertical map attends to: one or a few of [CLS], [SEP]s and punctuation. */
function verticalColumns(tokens: string[], random: () => number): number[] {
  const seps = tokens.flatMap((t, i) => (t === '[SEP]' ? [i] : []));
  const punctuation = tokens.flatMap((t, i) => (PUNCTUATION.includes(t) || t === '.' ? [i] : []));
  const u = random();
  if (u < 0.3) return [seps[seps.length - 1]];
  if (u < 0.45) return seps.length > 1 ? seps : [seps[0]];
  if (u < 0.65) return [0];
  if (u < 0.8) return [0, seps[seps.length - 1]];
  // Punctuation: up to three marks, picked by a partial Fisher–Yates shuffle.
  if (punctuation.length === 0) return [0];
  const pick = Math.min(punctuation.length, 1 + Math.floor(random() * 3));
  for (let i = 0; i < pick; i++) {
    const j = i + Math.floor(random() * (punctuation.length - i));
    [punctuation[i], punctuation[j]] = [punctuation[j], punctuation[i]];
  }
  return punctuation.slice(0, pick).sort((x, y) => x - y);
}

type RowFiller = (r: number, row: Float64Array) => void;

function verticalFiller(tokens: string[], random: () => number): RowFiller {
  const cols = verticalColumns(tokens, random);
  const weights = cols.map(() => 0.5 + random());
  return (_r, row) => {
    row.fill(0);
    cols.forEach((c, i) => { row[c] += weights[i] * (0.8 + 0.4 * random()); });
    normaliseRow(row);
  };
}

function diagonalFiller(length: number, random: () => number): RowFiller {
  // Which diagonals: previous, next, both, or both plus the token itself.
  const u = random();
  const w = u < 0.3 ? [1, 0, 0] : u < 0.55 ? [0, 0, 1] : u < 0.8 ? [0.5, 0, 0.5] : [0.35, 0.3, 0.35];
  return (r, row) => {
    row.fill(0);
    const jitter = () => 0.8 + 0.4 * random();
    if (r > 0) row[r - 1] += w[0] * jitter();
    row[r] += w[1] * jitter();
    if (r < length - 1) row[r + 1] += w[2] * jitter();
    // At the edges the wanted neighbour is missing: attend to the one that is there (or itself).
    let sum = 0;
    for (let i = Math.max(0, r - 1); i <= Math.min(length - 1, r + 1); i++) sum += row[i];
    if (sum === 0) {
      if (r > 0 && w[0] === 0) row[r - 1] = 1;
      else if (r < length - 1) row[r + 1] = 1;
      else row[r] = 1;
    }
    normaliseRow(row);
  };
}

function blockFiller(segments: number[], random: () => number): RowFiller {
  return (r, row) => {
    row.fill(0);
    // Sums of two exponentials (Gamma(2)): spread over the sentence, but not flat.
    for (let c = 0; c < row.length; c++) if (segments[c] === segments[r]) row[c] = exponential(random) + exponential(random);
    normaliseRow(row);
  };
}

function heterogeneousFiller(random: () => number): RowFiller {
  // Content-like: a random row with a few stronger peaks, each row different.
  const peakiness = 1 + random();
  return (_r, row) => {
    for (let c = 0; c < row.length; c++) row[c] = Math.pow(exponential(random), peakiness);
    normaliseRow(row);
  };
}

export interface SyntheticMapOptions {
  length: number;
  pair: boolean;
  /** Total noise weight per row, in [0, 1). */
  noise: number;
  random: () => number;
  /** The example's tokens and segments (from syntheticTokens), to make several heads of one example. */
  example?: { tokens: string[]; segments: number[] };
}

/** One labelled map of a type. Block maps must be pairs. */
export function syntheticMap(type: PatternType, { length, pair, noise, random, example }: SyntheticMapOptions): SyntheticMap {
  if (type === 'block' && !pair) throw new Error('A block map needs a sentence pair.');
  const { tokens, segments } = example ?? syntheticTokens(length, pair, random);
  if (tokens.length !== length) throw new Error(`The example has ${tokens.length} tokens, not ${length}.`);
  let fill: RowFiller;
  if (type === 'vertical') fill = verticalFiller(tokens, random);
  else if (type === 'diagonal') fill = diagonalFiller(length, random);
  else if (type === 'block') fill = blockFiller(segments, random);
  else if (type === 'heterogeneous') fill = heterogeneousFiller(random);
  else {
    const vertical = verticalFiller(tokens, random);
    const diagonal = diagonalFiller(length, random);
    const share = 0.35 + 0.3 * random();
    const other = new Float64Array(length);
    fill = (r, row) => {
      vertical(r, row);
      diagonal(r, other);
      for (let c = 0; c < length; c++) row[c] = share * row[c] + (1 - share) * other[c];
    };
  }
  const map = new Float32Array(length * length);
  const row = new Float64Array(length);
  const noiseRow = new Float64Array(length);
  for (let r = 0; r < length; r++) {
    fill(r, row);
    if (noise > 0) {
      const randomShare = noise * random();
      const uniformShare = noise - randomShare;
      for (let c = 0; c < length; c++) noiseRow[c] = exponential(random);
      normaliseRow(noiseRow);
      for (let c = 0; c < length; c++) row[c] = (1 - noise) * row[c] + randomShare * noiseRow[c] + uniformShare / length;
    }
    for (let c = 0; c < length; c++) map[r * length + c] = row[c];
  }
  return { type, map, length, tokens, segments, pair, noise };
}

/** A labelled set: `count` maps cycling through the types, with random lengths, pairs and noise. */
export function syntheticMapSet(options: SyntheticSetOptions): SyntheticMap[] {
  const { seed, count = 1000, minLength = 8, maxLength = 128, maxNoise = 0.3, pairShare = 0.5, types = PATTERN_TYPES } = options;
  if (minLength < 5 || maxLength < minLength) throw new Error(`Lengths must satisfy 5 ≤ minLength ≤ maxLength (got ${minLength}–${maxLength}).`);
  const random = mulberry32(seed);
  const out: SyntheticMap[] = [];
  for (let i = 0; i < count; i++) {
    const type = types[i % types.length];
    const length = minLength + Math.floor(random() * (maxLength - minLength + 1));
    const pair = type === 'block' || random() < pairShare;
    out.push(syntheticMap(type, { length, pair, noise: maxNoise * random(), random }));
  }
  return out;
}

export interface SyntheticBatchOptions {
  seed: number;
  layers: number;
  heads: number;
  /** Unpadded length of each example (the batch is padded to the longest, or to seqLen). */
  lengths: readonly number[];
  seqLen?: number;
  /** Whether each example is a pair (default: all pairs, so every type can occur). */
  pairs?: readonly boolean[];
  /** The type of each head (default: PATTERN_TYPES in turn over layer·heads + head). */
  typeOf?: (layer: number, head: number) => PatternType;
  /** Maximum noise per row (default 0.3). */
  maxNoise?: number;
  /** What padded cells hold (default 0); tests set junk here to prove it is never read. */
  padValue?: number;
}

export interface SyntheticBatch {
  /** Per layer, [batch, heads, S, S], as the engine returns attentions. */
  attentions: Float32Array[];
  seqLen: number;
  lengths: number[];
  tokens: string[][];
  segments: number[][];
  /** [layer·heads + head] → the type every example of that head was generated as. */
  types: PatternType[];
}

/** A batch in the engine's layout, each head generated as a known type on every example. */
export function syntheticBatch(options: SyntheticBatchOptions): SyntheticBatch {
  const { seed, layers, heads, lengths, maxNoise = 0.3, padValue = 0 } = options;
  const seqLen = options.seqLen ?? Math.max(...lengths);
  const typeOf = options.typeOf ?? ((l: number, h: number) => PATTERN_TYPES[(l * heads + h) % PATTERN_TYPES.length]);
  const random = mulberry32(seed);
  const batch = lengths.length;
  const size = seqLen * seqLen;
  const attentions = Array.from({ length: layers }, () => new Float32Array(batch * heads * size).fill(padValue));
  const tokens: string[][] = [];
  const segments: number[][] = [];
  const types = Array.from({ length: layers * heads }, (_, i) => typeOf(Math.floor(i / heads), i % heads));
  lengths.forEach((length, b) => {
    const pair = options.pairs?.[b] ?? true;
    const example = syntheticTokens(length, pair, random);
    tokens.push([...example.tokens, ...new Array<string>(seqLen - length).fill('[PAD]')]);
    segments.push([...example.segments, ...new Array<number>(seqLen - length).fill(0)]);
    for (let l = 0; l < layers; l++) {
      for (let h = 0; h < heads; h++) {
        const { map } = syntheticMap(types[l * heads + h], { length, pair, noise: maxNoise * random(), random, example });
        const offset = (b * heads + h) * size;
        for (let r = 0; r < length; r++) attentions[l].set(map.subarray(r * length, (r + 1) * length), offset + r * seqLen);
      }
    }
  });
  return { attentions, seqLen, lengths: [...lengths], tokens, segments, types };
}
