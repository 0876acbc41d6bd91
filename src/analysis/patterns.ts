// Pattern type per head (Kovaleva et al. 2019, Fig. 1): vertical, diagonal, vertical+diagonal,
// block, heterogeneous. The paper classified maps with a CNN on ~400 hand labels that were never
// released; here a head's map is measured (a handful of numbers, each a share in [0, 1]) and a few
// readable rules with named thresholds decide the type. patterns.md documents the rules for the README.
//
// All features are computed over the unpadded tokens only (the first `length` rows and columns).

import { TOKEN_CLS, TOKEN_PUNCTUATION, TOKEN_SEP, tokenClassFlags } from './specialTokens';

export const PATTERN_TYPES = ['vertical', 'diagonal', 'vertical+diagonal', 'block', 'heterogeneous'] as const;
export type PatternType = (typeof PATTERN_TYPES)[number];

export function isPatternType(value: unknown): value is PatternType {
  return typeof value === 'string' && (PATTERN_TYPES as readonly string[]).includes(value);
}

/** How many of the most-attended columns `topColumnsMass` counts. */
export const TOP_COLUMNS = 3;

// The rule thresholds (see classifyByRules and patterns.md). Each concentration is 0 for uniform
// attention and 1 for all the mass on the pattern's cells.
/** Vertical: columnConcentration at least this … */
export const VERTICAL_MIN_COLUMN_CONCENTRATION = 0.5;
/** … or specialConcentration ([CLS], [SEP] and punctuation together) at least this. */
export const VERTICAL_MIN_SPECIAL_CONCENTRATION = 0.6;
/** Diagonal: diagonalConcentration at least this. */
export const DIAGONAL_MIN_CONCENTRATION = 0.4;
/**
 * Vertical+diagonal (checked first): diagonalConcentration and max(columnConcentration,
 * specialConcentration) both at least this.
 */
export const MIXED_MIN_CONCENTRATION = 0.2;
/** Block (sentence pairs only): blockConcentration at least this, once vertical and diagonal are ruled out. */
export const BLOCK_MIN_CONCENTRATION = 0.5;
/** A map whose mean row sum is below this has no attention to classify (a zeroed head). */
export const MIN_MASS = 1e-6;

/**
 * Measured features of one head's map on one example. Every `…Mass` is a share of the map's total
 * mass (for an ordinary map, whose rows sum to 1, the mean over rows of the weight on those cells).
 * Every `…Concentration` rescales a share so that 0 is what uniform attention would give and 1 is all
 * the mass there: (share − expected) / (1 − expected), clipped to [0, 1].
 */
export interface HeadFeatures {
  /** Unpadded tokens (the map is length × length). */
  length: number;
  /** Whether the example is a sentence pair (tokens of both segments present). */
  pair: boolean;
  /** Mean row sum, in [0, 1]: 1 for an ordinary map, 0 for a zeroed (disabled) head. */
  mass: number;
  /** Share on the [CLS] column. */
  clsMass: number;
  /** Share on the [SEP] columns (both, in a pair). */
  sepMass: number;
  /** Share on punctuation columns (specialTokens.ts's definition). */
  punctuationMass: number;
  /** clsMass + sepMass + punctuationMass. */
  specialMass: number;
  /** specialMass against its uniform share (special tokens / length). */
  specialConcentration: number;
  /**
   * Share on the TOP_COLUMNS columns with the most mass, each column's mass estimated from its
   * off-band cells (the rows where it is not on the three central diagonals) scaled to all rows, so
   * a diagonal's own column sums do not count, and discounted by how unevenly the rows attend to it
   * ((Σw)²/(n·Σw²) over those rows), so a few rows' peaks do not count as a stripe.
   */
  topColumnsMass: number;
  /** topColumnsMass against its uniform share TOP_COLUMNS / length; 0 when length ≤ TOP_COLUMNS. */
  columnConcentration: number;
  /** Share on the previous token (the −1 diagonal), on the next token (+1) and on the token itself (main diagonal). */
  previousMass: number;
  nextMass: number;
  selfMass: number;
  /** previousMass + nextMass + selfMass: the band of three diagonals. */
  diagonalMass: number;
  /**
   * diagonalMass against its baseline: what each row's band would hold if the row attended like the
   * other rows of its sentence on average (their column profile). 0 for uniform, vertical and block
   * maps (their band holds what the profile predicts), 1 when all the mass is on the band.
   */
  diagonalConcentration: number;
  /** Share inside each attending token's own segment (1 for a single sentence). */
  ownSegmentMass: number;
  /** The same share under uniform attention over the whole example (1 for a single sentence). */
  ownSegmentExpected: number;
  /** ownSegmentMass against ownSegmentExpected; 0 for a single sentence. */
  blockConcentration: number;
  /** Mean row entropy divided by ln(length): 0 = every row on one token, 1 = uniform rows. */
  entropy: number;
  /** Mean over rows of the row's largest weight (as a share of the row). */
  rowMax: number;
}

/** The numeric features a fitted model uses (patternModel.ts), in vector order. */
export const FEATURE_NAMES = [
  'clsMass',
  'sepMass',
  'punctuationMass',
  'specialMass',
  'specialConcentration',
  'topColumnsMass',
  'columnConcentration',
  'previousMass',
  'nextMass',
  'selfMass',
  'diagonalMass',
  'diagonalConcentration',
  'ownSegmentMass',
  'ownSegmentExpected',
  'blockConcentration',
  'entropy',
  'rowMax',
] as const satisfies readonly (keyof HeadFeatures)[];
export type FeatureName = (typeof FEATURE_NAMES)[number];

/** Every field of HeadFeatures, for validation of stored features. */
export const HEAD_FEATURE_KEYS = ['length', 'pair', 'mass', ...FEATURE_NAMES] as const;

export function featureVector(features: HeadFeatures): number[] {
  return FEATURE_NAMES.map((name) => features[name]);
}

/** What the features need to know of an example's tokens, computed once per example and shared by all heads. */
export interface TokenLayout {
  length: number;
  /** Token class flags (specialTokens.ts TOKEN_*), per token. */
  flags: Uint8Array;
  /** Segment per token, 0 (sentence A, with [CLS] and the first [SEP]) or 1 (sentence B). */
  segments: Uint8Array;
  /** Tokens in segment 0 and in segment 1. */
  segmentSizes: [number, number];
  pair: boolean;
  /** How many tokens are [CLS], [SEP] or punctuation. */
  specialCount: number;
}

export function tokenLayout(tokens: readonly string[], segments: ArrayLike<number> | null, length: number, flags?: Uint8Array): TokenLayout {
  const seg = new Uint8Array(length);
  const sizes: [number, number] = [0, 0];
  for (let i = 0; i < length; i++) {
    seg[i] = segments && segments[i] ? 1 : 0;
    sizes[seg[i]]++;
  }
  const tokenFlags = flags ?? tokenClassFlags(tokens, length);
  let specialCount = 0;
  for (let i = 0; i < length; i++) if (tokenFlags[i] & (TOKEN_CLS | TOKEN_SEP | TOKEN_PUNCTUATION)) specialCount++;
  return { length, flags: tokenFlags, segments: seg, segmentSizes: sizes, pair: sizes[0] > 0 && sizes[1] > 0, specialCount };
}

const clip01 = (x: number) => (x < 0 ? 0 : x > 1 ? 1 : x);
// (share − expected) / (1 − expected), 0 when nothing can exceed the expectation.
const concentration = (share: number, expected: number) => (expected >= 1 ? 0 : clip01((share - expected) / (1 - expected)));

/**
 * ln(w) of a positive float32 from its bits: exponent · ln 2 plus ln of the mantissa m ∈ [1, 2) by
 * a degree-8 polynomial in m − 1 (Abramowitz & Stegun 4.1.44, |error| ≤ 3·10⁻⁸). About twice as fast
 * as Math.log, which would otherwise be most of the features' cost (one per map cell, for entropy).
 */
function lnOfBits(bits: number): number {
  const x = (bits & 0x7fffff) * 1.1920928955078125e-7;
  return ((bits >> 23) - 127) * 0.6931471805599453 +
    x * (0.99999642 + x * (-0.49987412 + x * (0.33179903 + x * (-0.24073381 + x * (0.16765407 + x * (-0.09532939 + x * (0.03608849 + x * -0.00645354)))))));
}

/** Length of the scratch buffer measureHead needs for a map of `length` tokens. */
export const featureScratchLength = (length: number) => 4 * length;

/**
 * Features of the map stored at `data[offset …]` with row stride `seqLen` (so a head's map inside
 * the engine's [batch, heads, S, S] array is read in place). `scratch` (featureScratchLength(length)
 * values or more) may be passed to avoid allocating per map. One pass over the length × length block
 * (the only per-element work), then O(length) passes over row and column sums.
 */
export function measureHead(data: Float32Array, offset: number, seqLen: number, layout: TokenLayout, scratch?: Float64Array): HeadFeatures {
  const L = layout.length;
  const work = scratch && scratch.length >= 4 * L ? scratch : new Float64Array(4 * L);
  work.fill(0, 0, 4 * L);
  // Column sums split by the attending row's segment ([0, L): rows of A, [L, 2L): rows of B), then
  // row sums, then column sums of squares.
  const rowSums = 2 * L;
  const squares = 3 * L;
  const seg = layout.segments;
  // The weights' bit patterns, for the fast logarithm (a view on the same memory, no copy).
  const bits = new Int32Array(data.buffer, data.byteOffset, data.length);
  const pair = layout.pair;
  let total = 0;
  let self = 0;
  let previous = 0;
  let next = 0;
  let own = 0;
  let ownExpected = 0;
  let entropySum = 0;
  let rowMaxSum = 0;
  let rowsWithMass = 0;
  for (let r = 0; r < L; r++) {
    const row = offset + r * seqLen;
    const s = seg[r];
    const columns = s * L;
    let rowSum = 0;
    let rowMax = 0;
    let wLogW = 0;
    let rowOwn = 0;
    if (pair) {
      for (let c = 0; c < L; c++) {
        const w = data[row + c];
        rowSum += w;
        work[columns + c] += w;
        work[squares + c] += w * w;
        if (w > rowMax) rowMax = w;
        if (w > 0) wLogW += w * lnOfBits(bits[row + c]);
        if (seg[c] === s) rowOwn += w;
      }
    } else {
      for (let c = 0; c < L; c++) {
        const w = data[row + c];
        rowSum += w;
        work[c] += w;
        work[squares + c] += w * w;
        if (w > rowMax) rowMax = w;
        if (w > 0) wLogW += w * lnOfBits(bits[row + c]);
      }
      rowOwn = rowSum;
    }
    work[rowSums + r] = rowSum;
    if (!(rowSum > 0)) continue;
    total += rowSum;
    if (r > 0) previous += data[row + r - 1];
    if (r < L - 1) next += data[row + r + 1];
    self += data[row + r];
    own += rowOwn;
    ownExpected += (rowSum * (pair ? layout.segmentSizes[s] : L)) / L;
    // Entropy of the row rescaled to sum to 1: H = ln s − Σ w ln w / s.
    entropySum += Math.log(rowSum) - wLogW / rowSum;
    rowMaxSum += rowMax / rowSum;
    rowsWithMass++;
  }
  if (!(total > 0)) return emptyFeatures(L, pair);

  // Mass of each segment's rows, for the column profiles below.
  let massA = 0;
  for (let r = 0; r < L; r++) if (seg[r] === 0) massA += work[rowSums + r];
  const segmentMass = [massA, total - massA];

  // The diagonal's baseline: what the band of row r would get if the row attended like the other
  // rows of its sentence do on average (their column profile). A vertical stripe that happens to
  // cross the band is then expected, not diagonal; so is a block's spread within a short sentence.
  let bandBaseline = 0;
  for (let r = 0; r < L; r++) {
    const rowSum = work[rowSums + r];
    if (!(rowSum > 0)) continue;
    const s = seg[r];
    const columns = s * L;
    const row = offset + r * seqLen;
    const othersMass = segmentMass[s] - rowSum;
    let band = 0;
    if (othersMass > 1e-12 * segmentMass[s]) {
      for (let c = Math.max(0, r - 1); c <= Math.min(L - 1, r + 1); c++) band += work[columns + c] - data[row + c];
      bandBaseline += (rowSum * Math.max(0, band)) / othersMass;
    } else {
      // The row is alone in its sentence: fall back to uniform attention over the sentence.
      const size = pair ? layout.segmentSizes[s] : L;
      for (let c = Math.max(0, r - 1); c <= Math.min(L - 1, r + 1); c++) if (!pair || seg[c] === s) band++;
      bandBaseline += (rowSum * band) / size;
    }
  }

  // Column mass for the vertical test. Estimated from the rows where the column is off the
  // diagonal band (|row − column| > 1), scaled up to all rows: a diagonal's own column sums (uneven
  // at the edges of short maps) do not read as vertical, and a vertical stripe keeps its full weight
  // where it crosses the band. Then discounted by how unevenly the rows attend to the column,
  // (Σw)² / (n·Σw²): 1 when every row gives it the same weight, 1/n when one row gives it all; a
  // stripe is attended by every row, a content word by a few.
  let clsMass = 0;
  let sepMass = 0;
  let punctuationMass = 0;
  let top1 = 0;
  let top2 = 0;
  let top3 = 0;
  const flags = layout.flags;
  for (let c = 0; c < L; c++) {
    const m = work[c] + work[L + c];
    const f = flags[c];
    if (f & TOKEN_CLS) clsMass += m;
    else if (f & TOKEN_SEP) sepMass += m;
    else if (f & TOKEN_PUNCTUATION) punctuationMass += m;
    const diagonalCell = data[offset + c * seqLen + c];
    let off = m - diagonalCell;
    let offSquares = work[squares + c] - diagonalCell * diagonalCell;
    let offRows = L - 1;
    if (c > 0) {
      const w = data[offset + (c - 1) * seqLen + c];
      off -= w;
      offSquares -= w * w;
      offRows--;
    }
    if (c < L - 1) {
      const w = data[offset + (c + 1) * seqLen + c];
      off -= w;
      offSquares -= w * w;
      offRows--;
    }
    if (offRows <= 0 || !(off > 0) || !(offSquares > 0)) continue;
    const evenness = Math.min(1, (off * off) / (offRows * offSquares));
    const estimate = ((off * L) / offRows) * evenness;
    if (estimate > top3) {
      if (estimate > top1) { top3 = top2; top2 = top1; top1 = estimate; }
      else if (estimate > top2) { top3 = top2; top2 = estimate; }
      else top3 = estimate;
    }
  }

  const inv = 1 / total;
  const topColumnsMass = Math.min(1, (top1 + top2 + top3) * inv);
  const specialMass = (clsMass + sepMass + punctuationMass) * inv;
  const diagonalMass = (previous + next + self) * inv;
  const ownSegmentMass = own * inv;
  const ownSegmentExpected = ownExpected * inv;
  const baseline = bandBaseline * inv;
  return {
    length: L,
    pair,
    mass: clip01(total / L),
    clsMass: clsMass * inv,
    sepMass: sepMass * inv,
    punctuationMass: punctuationMass * inv,
    specialMass,
    specialConcentration: concentration(specialMass, layout.specialCount / L),
    topColumnsMass,
    columnConcentration: L > TOP_COLUMNS ? concentration(topColumnsMass, TOP_COLUMNS / L) : 0,
    previousMass: previous * inv,
    nextMass: next * inv,
    selfMass: self * inv,
    diagonalMass,
    diagonalConcentration: concentration(diagonalMass, Math.min(1, baseline)),
    ownSegmentMass,
    ownSegmentExpected,
    blockConcentration: pair ? concentration(ownSegmentMass, ownSegmentExpected) : 0,
    entropy: L > 1 ? clip01(entropySum / rowsWithMass / Math.log(L)) : 0,
    rowMax: rowMaxSum / rowsWithMass,
  };
}

function emptyFeatures(length: number, pair: boolean): HeadFeatures {
  return {
    length, pair, mass: 0, clsMass: 0, sepMass: 0, punctuationMass: 0, specialMass: 0, specialConcentration: 0, topColumnsMass: 0,
    columnConcentration: 0, previousMass: 0, nextMass: 0, selfMass: 0, diagonalMass: 0, diagonalConcentration: 0,
    ownSegmentMass: 0, ownSegmentExpected: 0, blockConcentration: 0, entropy: 0, rowMax: 0,
  };
}

/**
 * Features of one head's S×S map (row = attending token, column = attended token) over its first
 * `length` tokens. `segments` are the token type ids (0 = sentence A, 1 = sentence B; null or all 0
 * for a single sentence).
 */
export function headFeatures(map: Float32Array, seqLen: number, length: number, tokens: readonly string[], segments: ArrayLike<number> | null): HeadFeatures {
  return measureHead(map, 0, seqLen, tokenLayout(tokens, segments, length));
}

export interface RuleDecision {
  type: PatternType;
  /** Which rule fired, with the numbers that made it fire. */
  reason: string;
}

const pct = (x: number) => `${Math.round(x * 100)}%`;

/**
 * The rules, in order (d = diagonalConcentration):
 * 1. no mass (a zeroed head) → heterogeneous;
 * 2. d ≥ MIXED_MIN_CONCENTRATION and max(columnConcentration, specialConcentration) ≥
 *    MIXED_MIN_CONCENTRATION → vertical+diagonal (each part of a mix holds only a share of the mass,
 *    so a mix is recognised at lower levels than a pure type);
 * 3. columnConcentration ≥ VERTICAL_MIN_COLUMN_CONCENTRATION or specialConcentration ≥
 *    VERTICAL_MIN_SPECIAL_CONCENTRATION → vertical;
 * 4. d ≥ DIAGONAL_MIN_CONCENTRATION → diagonal;
 * 5. a pair with blockConcentration ≥ BLOCK_MIN_CONCENTRATION → block (after vertical and diagonal,
 *    because those stay within a sentence too);
 * 6. otherwise heterogeneous.
 */
export function classifyByRules(f: HeadFeatures): RuleDecision {
  if (f.mass < MIN_MASS) return { type: 'heterogeneous', reason: 'the map has no attention mass (a disabled head)' };
  const columnWhy = `column concentration ${pct(f.columnConcentration)} (the top ${TOP_COLUMNS} columns hold ${pct(f.topColumnsMass)} off the diagonal)`;
  const specialWhy = `special-token concentration ${pct(f.specialConcentration)} ([CLS] ${pct(f.clsMass)}, [SEP] ${pct(f.sepMass)}, punctuation ${pct(f.punctuationMass)})`;
  const diagonalWhy = `diagonal concentration ${pct(f.diagonalConcentration)} (previous ${pct(f.previousMass)}, self ${pct(f.selfMass)}, next ${pct(f.nextMass)})`;
  const d = f.diagonalConcentration;
  const mixedVertical = Math.max(f.columnConcentration, f.specialConcentration);
  if (d >= MIXED_MIN_CONCENTRATION && mixedVertical >= MIXED_MIN_CONCENTRATION) {
    const verticalWhy = f.columnConcentration >= f.specialConcentration ? columnWhy : specialWhy;
    return { type: 'vertical+diagonal', reason: `${verticalWhy} and ${diagonalWhy}, both ≥ ${pct(MIXED_MIN_CONCENTRATION)}` };
  }
  if (f.columnConcentration >= VERTICAL_MIN_COLUMN_CONCENTRATION) return { type: 'vertical', reason: `${columnWhy} ≥ ${pct(VERTICAL_MIN_COLUMN_CONCENTRATION)}` };
  if (f.specialConcentration >= VERTICAL_MIN_SPECIAL_CONCENTRATION) return { type: 'vertical', reason: `${specialWhy} ≥ ${pct(VERTICAL_MIN_SPECIAL_CONCENTRATION)}` };
  if (d >= DIAGONAL_MIN_CONCENTRATION) return { type: 'diagonal', reason: `${diagonalWhy} ≥ ${pct(DIAGONAL_MIN_CONCENTRATION)}` };
  if (f.pair && f.blockConcentration >= BLOCK_MIN_CONCENTRATION) {
    return {
      type: 'block',
      reason: `block concentration ${pct(f.blockConcentration)} ≥ ${pct(BLOCK_MIN_CONCENTRATION)} (${pct(f.ownSegmentMass)} of the attention stays in the own sentence, ${pct(f.ownSegmentExpected)} if uniform)`,
    };
  }
  return {
    type: 'heterogeneous',
    reason:
      `no structure above the thresholds: column ${pct(f.columnConcentration)}, special ${pct(f.specialConcentration)}, diagonal ${pct(d)}` +
      `${f.pair ? `, block ${pct(f.blockConcentration)}` : ''}; entropy ${pct(f.entropy)} of uniform`,
  };
}
