// Pattern type per head (Kovaleva et al. 2019, Fig. 1): vertical, diagonal, vertical+diagonal,
// block, heterogeneous. The paper classified maps with a CNN on ~400 hand labels that were never
// released; here a head's map is measured (a handful of numbers, each in [0, 1]), the default
// classifier (patternClassifier.ts: softmax regression fitted on labelled real maps, data/patterns/)
// decides the type, and a few readable rules with named thresholds explain it and stand in for it.
// The README's "Pattern types: how they are decided" documents both.
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
/** Half-width of the diagonal band: offsets |column − row| ≤ this count as local (a head attending 3 back is diagonal). */
export const BAND_WIDTH = 3;

// The rule thresholds (see classifyByRules and the README), on the measures of issue 13. They were
// set by a coarse grid on the labelled real maps (data/patterns/), not on synthetic maps; the default
// classifier is the fitted model (patternModel.ts), and the rules explain it and stand in for it.
/** Diagonal: offsetExplained (the lines parallel to the diagonal explain the map) at least this … */
export const DIAGONAL_MIN_OFFSET_EXPLAINED = 0.25;
/** … and bandConcentration (the mass sits within BAND_WIDTH of the diagonal) at least this. */
export const DIAGONAL_MIN_BAND_CONCENTRATION = 0.15;
/** Vertical: columnExplained (every row attends alike) at least this … */
export const VERTICAL_MIN_COLUMN_EXPLAINED = 0.25;
/** … and topColumnLift (the top column holds well above its uniform share) at least this … */
export const VERTICAL_MIN_COLUMN_LIFT = 0.3;
/** … and topColumnCoverage (the stripe runs through most rows) at least this. */
export const VERTICAL_MIN_COVERAGE = 0.5;
/**
 * Vertical+diagonal: offsetBeyondColumns and columnBeyondOffsets both at least this (lines and
 * stripes each explain what the other leaves) …
 */
export const MIXED_MIN_BEYOND = 0.3;
/** … and both kinds of evidence at this share of their thresholds (each part of a mix holds only part of the mass). */
export const MIXED_THRESHOLD_SHARE = 0.3;
/**
 * Block (sentence pairs only): segmentExplained at least this (a local band in a pair of long
 * sentences stays near 0.1), and more than offsetExplained and columnExplained (in a pair of short
 * sentences a local band or a stripe fills much of a sentence's square, but lines or columns still
 * explain it better); see isBlockByRule.
 */
export const BLOCK_MIN_SEGMENT_EXPLAINED = 0.25;

/** The block rule, which the default classifier applies too (the labelled real maps hold too few blocks to learn them). */
export function isBlockByRule(f: HeadFeatures): boolean {
  return f.pair && f.segmentExplained >= BLOCK_MIN_SEGMENT_EXPLAINED && f.segmentExplained > f.offsetExplained && f.segmentExplained > f.columnExplained;
}
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

  // Measures of issue 13, the ones the default classifier reads (see the README). Shares of the
  // map's total mass unless said otherwise.
  /** Share on the band of offsets |column − row| ≤ BAND_WIDTH (a diagonal at ±2 or ±3, or a soft band, lies in it). */
  bandMass: number;
  /** bandMass against what uniform rows would put on the band (0 uniform, 1 all on the band). */
  bandConcentration: number;
  /** The offset column − row in [−BAND_WIDTH, BAND_WIDTH] with the most mass (−2 = "2 back"), and its share. */
  topOffset: number;
  topOffsetMass: number;
  /**
   * How much of the map's structure a weight per offset explains: the R² of predicting each cell by
   * the mean of its diagonal (offset) against predicting it by the map's mean. 1 for any map made of
   * lines parallel to the main diagonal, near 0 for stripes, blocks and scattered peaks.
   */
  offsetExplained: number;
  /** The same R² for a weight per column: 1 when every row attends alike (stripes), near 0 for a diagonal. */
  columnExplained: number;
  /**
   * What offsets explain of the structure the columns leave (the R² of offset means of the residual
   * after each column's mean is taken out), and the other way round. Both are high only for a mix
   * of lines and stripes (vertical+diagonal); a pure stripe map leaves no residual (0).
   */
  offsetBeyondColumns: number;
  columnBeyondOffsets: number;
  /**
   * The same R² for a weight per pair of segments (A→A, A→B, B→A, B→B): high for blocks that fill
   * their sentence, low for a local band even in a pair (a band explains little of a sentence's
   * square); 0 for a single sentence.
   */
  segmentExplained: number;
  /** The column with the most mass (its index in the example, from 0) and its share. */
  topColumn: number;
  topColumnMass: number;
  /** The column with the second most mass and its share (−1 and 0 for a one-token map). */
  secondColumn: number;
  secondColumnMass: number;
  /**
   * topColumnMass, secondColumnMass and topOffsetMass as lifts over uniform attention, on a log
   * scale that does not depend on the length: ln(share · L) / ln L, clipped to [0, 1] (0 at or
   * below the uniform share 1/L, 1 when it holds all the mass).
   */
  topColumnLift: number;
  secondColumnLift: number;
  topOffsetLift: number;
  /** Share of the rows that give topColumn at least twice the uniform weight (a stripe runs through most rows). */
  topColumnCoverage: number;
  /** How peaked the column totals are: (Σp² − 1/L)/(1 − 1/L) for column shares p; 0 when every column gets the same. */
  columnPeakedness: number;
  /**
   * Attention that stays in its own sentence beyond the band: the own-sentence share of the mass off
   * the band, against uniform attention off the band (0 uniform, 1 all of it). 0 for a single sentence.
   */
  blockBeyondBand: number;
}

/**
 * The features of the first version (rules with fixed thresholds, issue 5). Every stored label has
 * them, and a model fitted then reads them; they are still measured so those keep working.
 */
export const LEGACY_FEATURE_NAMES = [
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

/**
 * The numeric features a fitted model uses (patternModel.ts), in vector order: the default model and
 * "Fit classifier on my labels". Chosen to mean the same at any length (shares against uniform,
 * lifts on a log scale, R² values), so a model fitted on short maps carries over to long ones.
 */
export const FEATURE_NAMES = [
  'bandConcentration',
  'topOffsetLift',
  'offsetExplained',
  'columnExplained',
  'offsetBeyondColumns',
  'columnBeyondOffsets',
  'segmentExplained',
  'topColumnLift',
  'secondColumnLift',
  'topColumnCoverage',
  'columnPeakedness',
  'blockBeyondBand',
  'entropy',
  'rowMax',
] as const satisfies readonly (keyof HeadFeatures)[];
export type FeatureName = (typeof FEATURE_NAMES)[number];

/** Positions, not measures: where the top offset and columns are (for the evidence in words). */
export const POSITION_KEYS = ['topOffset', 'topColumn', 'secondColumn'] as const satisfies readonly (keyof HeadFeatures)[];

/** Every numeric measure a model may read. */
export const MEASURE_NAMES = [
  ...LEGACY_FEATURE_NAMES,
  'bandMass',
  'topOffsetMass',
  'topColumnMass',
  'secondColumnMass',
  ...FEATURE_NAMES.filter((n) => n !== 'entropy' && n !== 'rowMax'),
] as const satisfies readonly (keyof HeadFeatures)[];

/** Every field of HeadFeatures, for validation of stored features. */
export const HEAD_FEATURE_KEYS = ['length', 'pair', 'mass', ...MEASURE_NAMES, ...POSITION_KEYS] as const;
/** The fields every stored label has had since the first version. */
export const REQUIRED_FEATURE_KEYS = ['length', 'pair', 'mass', ...LEGACY_FEATURE_NAMES] as const;

export function featureVector(features: HeadFeatures, names: readonly (keyof HeadFeatures)[] = FEATURE_NAMES): number[] {
  return names.map((name) => Number(features[name]));
}

/** Whether stored features have every measure the current FEATURE_NAMES need (labels made before issue 13 do not). */
export function hasCurrentFeatures(features: Partial<HeadFeatures>): features is HeadFeatures {
  return FEATURE_NAMES.every((name) => typeof features[name] === 'number' && Number.isFinite(features[name]));
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
export const featureScratchLength = (length: number) => 6 * length;

/**
 * Features of the map stored at `data[offset …]` with row stride `seqLen` (so a head's map inside
 * the engine's [batch, heads, S, S] array is read in place). `scratch` (featureScratchLength(length)
 * values or more) may be passed to avoid allocating per map. One pass over the length × length block
 * (the only per-element work), then O(length) passes over row and column sums.
 */
export function measureHead(data: Float32Array, offset: number, seqLen: number, layout: TokenLayout, scratch?: Float64Array): HeadFeatures {
  const L = layout.length;
  const size = featureScratchLength(L);
  const work = scratch && scratch.length >= size ? scratch : new Float64Array(size);
  work.fill(0, 0, size);
  // Column sums split by the attending row's segment ([0, L): rows of A, [L, 2L): rows of B), then
  // row sums, then column sums of squares, then sums per offset c − r ∈ (−L, L) at offsetZero + c − r.
  const rowSums = 2 * L;
  const squares = 3 * L;
  const offsetZero = 5 * L - 1;
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
  // For the band and the block beyond it: what uniform rows would put on the band, and the mass off
  // the band, inside the own sentence, and what uniform attention off the band would keep inside.
  let bandExpected = 0;
  let offBand = 0;
  let ownOffBand = 0;
  let ownOffBandExpected = 0;
  for (let r = 0; r < L; r++) {
    const row = offset + r * seqLen;
    const s = seg[r];
    const columns = s * L;
    let rowSum = 0;
    let rowMax = 0;
    let wLogW = 0;
    let rowOwn = 0;
    const diagonals = offsetZero - r;
    if (pair) {
      for (let c = 0; c < L; c++) {
        const w = data[row + c];
        rowSum += w;
        work[columns + c] += w;
        work[squares + c] += w * w;
        work[diagonals + c] += w;
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
        work[diagonals + c] += w;
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
    const first = Math.max(0, r - BAND_WIDTH);
    const last = Math.min(L - 1, r + BAND_WIDTH);
    let rowBand = 0;
    let ownBand = 0;
    let ownBandCells = 0;
    for (let c = first; c <= last; c++) {
      rowBand += data[row + c];
      if (seg[c] === s) { ownBand += data[row + c]; ownBandCells++; }
    }
    const bandCells = last - first + 1;
    bandExpected += (rowSum * bandCells) / L;
    if (pair && bandCells < L) {
      offBand += rowSum - rowBand;
      ownOffBand += rowOwn - ownBand;
      ownOffBandExpected += ((rowSum - rowBand) * (layout.segmentSizes[s] - ownBandCells)) / (L - bandCells);
    }
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

  // Issue 13's measures. R² of a weight per offset, per column and per segment pair, each against
  // the map's mean: (Σ_groups S²/n − T²/L²) / (Σ w² − T²/L²), S a group's sum over its n cells.
  let sumSquares = 0;
  for (let c = 0; c < L; c++) sumSquares += work[squares + c];
  const meanTerm = (total * total) / (L * L);
  const spread = sumSquares - meanTerm;
  const explained = (between: number) => (spread > 1e-12 * sumSquares ? clip01((between - meanTerm) / spread) : 0);
  let offsetBetween = 0;
  for (let o = 1 - L; o < L; o++) {
    const sum = work[offsetZero + o];
    offsetBetween += (sum * sum) / (L - Math.abs(o));
  }
  let bandSum = 0;
  let topOffset = 0;
  for (let o = -Math.min(BAND_WIDTH, L - 1); o <= Math.min(BAND_WIDTH, L - 1); o++) {
    bandSum += work[offsetZero + o];
    if (work[offsetZero + o] > work[offsetZero + topOffset]) topOffset = o;
  }
  // Offsets on what the columns leave, and columns on what the offsets leave: each group's sum minus
  // what the other factor's means predict for its cells (prefix sums make each O(1)).
  const columnMeanPrefix = new Float64Array(L + 1);
  for (let c = 0; c < L; c++) columnMeanPrefix[c + 1] = columnMeanPrefix[c] + (work[c] + work[L + c]) / L;
  const offsetMeanPrefix = new Float64Array(2 * L);
  for (let o = 1 - L; o < L; o++) offsetMeanPrefix[o + L] = offsetMeanPrefix[o + L - 1] + work[offsetZero + o] / (L - Math.abs(o));
  let offsetResidual = 0;
  for (let o = 1 - L; o < L; o++) {
    // Offset o holds the cells (r, r + o): columns max(0, o) … min(L − 1, L − 1 + o).
    const predicted = columnMeanPrefix[Math.min(L - 1, L - 1 + o) + 1] - columnMeanPrefix[Math.max(0, o)];
    const d = work[offsetZero + o] - predicted;
    offsetResidual += (d * d) / (L - Math.abs(o));
  }
  let columnResidual = 0;
  for (let c = 0; c < L; c++) {
    // Column c holds the offsets c − r for r = 0 … L − 1, i.e. c − L + 1 … c.
    const d = work[c] + work[L + c] - (offsetMeanPrefix[c + L] - offsetMeanPrefix[c]);
    columnResidual += (d * d) / L;
  }
  let columnBetween = 0;
  let topColumn = 0;
  let secondColumn = -1;
  for (let c = 0; c < L; c++) {
    const m = work[c] + work[L + c];
    columnBetween += (m * m) / L;
    if (m > work[topColumn] + work[L + topColumn]) { secondColumn = topColumn; topColumn = c; }
    else if (c !== topColumn && (secondColumn < 0 || m > work[secondColumn] + work[L + secondColumn])) secondColumn = c;
  }
  const columnTotal = (c: number) => (c < 0 ? 0 : work[c] + work[L + c]);
  let segmentExplained = 0;
  if (pair) {
    const [sizeA, sizeB] = layout.segmentSizes;
    let aToA = 0;
    let bToA = 0;
    for (let c = 0; c < L; c++) if (seg[c] === 0) { aToA += work[c]; bToA += work[L + c]; }
    const aToB = massA - aToA;
    const bToB = total - massA - bToA;
    segmentExplained = explained((aToA * aToA) / (sizeA * sizeA) + (aToB * aToB) / (sizeA * sizeB) + (bToA * bToA) / (sizeB * sizeA) + (bToB * bToB) / (sizeB * sizeB));
  }
  // Rows that give the top column at least twice the uniform share of their mass.
  let covered = 0;
  for (let r = 0; r < L; r++) {
    const rowSum = work[rowSums + r];
    if (rowSum > 0 && data[offset + r * seqLen + topColumn] * L >= 2 * rowSum) covered++;
  }

  const inv = 1 / total;
  const lift = (share: number) => (L > 1 && share * L > 1 ? clip01(Math.log(share * L) / Math.log(L)) : 0);
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
    bandMass: bandSum * inv,
    bandConcentration: concentration(bandSum * inv, Math.min(1, bandExpected * inv)),
    topOffset,
    topOffsetMass: work[offsetZero + topOffset] * inv,
    offsetExplained: explained(offsetBetween),
    columnExplained: explained(columnBetween),
    offsetBeyondColumns: sumSquares - columnBetween > 1e-9 * sumSquares ? clip01(offsetResidual / (sumSquares - columnBetween)) : 0,
    columnBeyondOffsets: sumSquares - offsetBetween > 1e-9 * sumSquares ? clip01(columnResidual / (sumSquares - offsetBetween)) : 0,
    segmentExplained,
    topColumn,
    topColumnMass: columnTotal(topColumn) * inv,
    secondColumn,
    secondColumnMass: columnTotal(secondColumn) * inv,
    topColumnLift: lift(columnTotal(topColumn) * inv),
    secondColumnLift: lift(columnTotal(secondColumn) * inv),
    topOffsetLift: lift(work[offsetZero + topOffset] * inv),
    topColumnCoverage: covered / rowsWithMass,
    columnPeakedness: L > 1 ? clip01((columnBetween * L * inv * inv - 1 / L) / (1 - 1 / L)) : 0,
    blockBeyondBand: pair && offBand > 0 ? concentration(ownOffBand / offBand, ownOffBandExpected / offBand) : 0,
  };
}

function emptyFeatures(length: number, pair: boolean): HeadFeatures {
  return {
    length, pair, mass: 0, clsMass: 0, sepMass: 0, punctuationMass: 0, specialMass: 0, specialConcentration: 0, topColumnsMass: 0,
    columnConcentration: 0, previousMass: 0, nextMass: 0, selfMass: 0, diagonalMass: 0, diagonalConcentration: 0,
    ownSegmentMass: 0, ownSegmentExpected: 0, blockConcentration: 0, entropy: 0, rowMax: 0,
    bandMass: 0, bandConcentration: 0, topOffset: 0, topOffsetMass: 0, offsetExplained: 0, columnExplained: 0, offsetBeyondColumns: 0, columnBeyondOffsets: 0, segmentExplained: 0,
    topColumn: 0, topColumnMass: 0, secondColumn: -1, secondColumnMass: 0, topColumnLift: 0, secondColumnLift: 0, topOffsetLift: 0, topColumnCoverage: 0, columnPeakedness: 0, blockBeyondBand: 0,
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

/** The token at `offset` from the attending one, in words: −2 → "the token 2 back". */
export function offsetInWords(offset: number): string {
  if (offset === 0) return 'the token itself';
  if (offset === -1) return 'the previous token';
  if (offset === 1) return 'the next token';
  return offset < 0 ? `the token ${-offset} back` : `the token ${offset} ahead`;
}

/** A token as the evidence names it: special tokens as they are, others quoted. */
function tokenName(tokens: readonly string[] | null, index: number): string {
  const token = tokens?.[index];
  if (token === undefined) return `token ${index + 1}`;
  return /^\[[A-Z]+\]$/.test(token) ? token : `"${token}"`;
}

/** "71% of attention on the token 2 back" (the top offset within the band). */
export function diagonalEvidence(f: HeadFeatures): string {
  const band = f.bandMass - f.topOffsetMass >= 0.1 ? ` (${pct(f.bandMass)} within ${BAND_WIDTH} tokens)` : '';
  return `${pct(f.topOffsetMass)} of attention on ${offsetInWords(f.topOffset)}${band}`;
}

/** "48% on [SEP]", with a second column when it holds at least half as much ("… and 20% on "the""). */
export function verticalEvidence(f: HeadFeatures, tokens: readonly string[] | null): string {
  const first = tokenName(tokens, f.topColumn);
  if (f.secondColumn < 0 || f.secondColumnMass < f.topColumnMass / 2) return `${pct(f.topColumnMass)} on ${first}`;
  const second = tokenName(tokens, f.secondColumn);
  if (second === first) return `${pct(f.topColumnMass + f.secondColumnMass)} on ${first} (two columns)`;
  return `${pct(f.topColumnMass)} on ${first} and ${pct(f.secondColumnMass)} on ${second}`;
}

/** "82% stays inside its own sentence beyond the band (40% if uniform)". */
export function blockEvidence(f: HeadFeatures): string {
  return `${pct(f.ownSegmentMass)} of attention stays inside its own sentence (${pct(f.ownSegmentExpected)} if uniform); the sentence blocks explain ${pct(f.segmentExplained)} of the map's structure`;
}

/**
 * The evidence for a type in words a student can check on the map, e.g. "diagonal: 71% of
 * attention on the token 2 back" or "vertical: 48% on [SEP]". `tokens` name the columns.
 */
export function evidenceInWords(type: PatternType, f: HeadFeatures, tokens: readonly string[] | null): string {
  if (f.mass < MIN_MASS) return `${type}: the map has no attention mass (a disabled head)`;
  switch (type) {
    case 'diagonal':
      return `diagonal: ${diagonalEvidence(f)}`;
    case 'vertical':
      return `vertical: ${verticalEvidence(f, tokens)}`;
    case 'vertical+diagonal':
      return `vertical+diagonal: ${verticalEvidence(f, tokens)}; ${diagonalEvidence(f)}`;
    case 'block':
      return `block: ${blockEvidence(f)}`;
    case 'heterogeneous':
      return `heterogeneous: no offset or column stands out (at most ${pct(f.topOffsetMass)} on ${offsetInWords(f.topOffset)}, ${pct(f.topColumnMass)} on ${tokenName(tokens, f.topColumn)})`;
  }
}

/**
 * The rules, in order:
 * 1. no mass (a zeroed head) → heterogeneous;
 * 2. a pair with segmentExplained ≥ BLOCK_MIN_SEGMENT_EXPLAINED and above offsetExplained and
 *    columnExplained → block;
 * 3. offsets and columns each explain what the other leaves (offsetBeyondColumns and
 *    columnBeyondOffsets ≥ MIXED_MIN_BEYOND), with diagonal evidence (offsetExplained and
 *    bandConcentration over their thresholds) and vertical evidence (columnExplained, topColumnLift
 *    and topColumnCoverage over theirs) each at MIXED_THRESHOLD_SHARE of its thresholds →
 *    vertical+diagonal;
 * 4. vertical evidence at full thresholds → vertical;
 * 5. diagonal evidence at full thresholds → diagonal;
 * 6. otherwise heterogeneous.
 */
export function classifyByRules(f: HeadFeatures): RuleDecision {
  if (f.mass < MIN_MASS) return { type: 'heterogeneous', reason: 'the map has no attention mass (a disabled head)' };
  const diagonalWhy = `offsets explain ${pct(f.offsetExplained)} of the map, band concentration ${pct(f.bandConcentration)}`;
  const verticalWhy = `columns explain ${pct(f.columnExplained)} of the map, the top column holds ${pct(f.topColumnMass)} (lift ${pct(f.topColumnLift)}) and ${pct(f.topColumnCoverage)} of rows attend to it`;
  const isDiagonal = (share: number) => f.offsetExplained >= share * DIAGONAL_MIN_OFFSET_EXPLAINED && f.bandConcentration >= share * DIAGONAL_MIN_BAND_CONCENTRATION;
  const isVertical = (share: number) =>
    f.columnExplained >= share * VERTICAL_MIN_COLUMN_EXPLAINED && f.topColumnLift >= share * VERTICAL_MIN_COLUMN_LIFT && f.topColumnCoverage >= share * VERTICAL_MIN_COVERAGE;
  if (isBlockByRule(f)) {
    return { type: 'block', reason: `the sentence blocks explain ${pct(f.segmentExplained)} of the map, ≥ ${pct(BLOCK_MIN_SEGMENT_EXPLAINED)} and more than the offsets' ${pct(f.offsetExplained)} and the columns' ${pct(f.columnExplained)} (${pct(f.ownSegmentMass)} stays in the own sentence, ${pct(f.ownSegmentExpected)} if uniform)` };
  }
  if (f.offsetBeyondColumns >= MIXED_MIN_BEYOND && f.columnBeyondOffsets >= MIXED_MIN_BEYOND && isDiagonal(MIXED_THRESHOLD_SHARE) && isVertical(MIXED_THRESHOLD_SHARE)) {
    return {
      type: 'vertical+diagonal',
      reason: `offsets explain ${pct(f.offsetBeyondColumns)} of what the columns leave and columns ${pct(f.columnBeyondOffsets)} of what the offsets leave (both ≥ ${pct(MIXED_MIN_BEYOND)}); ${verticalWhy}; ${diagonalWhy}`,
    };
  }
  if (isVertical(1)) {
    return { type: 'vertical', reason: `${verticalWhy} (thresholds ${pct(VERTICAL_MIN_COLUMN_EXPLAINED)}, lift ${pct(VERTICAL_MIN_COLUMN_LIFT)}, ${pct(VERTICAL_MIN_COVERAGE)} of rows)` };
  }
  if (isDiagonal(1)) {
    return { type: 'diagonal', reason: `${diagonalWhy} (thresholds ${pct(DIAGONAL_MIN_OFFSET_EXPLAINED)} and ${pct(DIAGONAL_MIN_BAND_CONCENTRATION)})` };
  }
  return {
    type: 'heterogeneous',
    reason: `no structure above the thresholds: offsets explain ${pct(f.offsetExplained)}, columns ${pct(f.columnExplained)}${f.pair ? `, sentence blocks ${pct(f.segmentExplained)}` : ''}; entropy ${pct(f.entropy)} of uniform`,
  };
}
