// One entry point for the three analyses of issue 5 over an engine batch: pattern type per head
// (features + a classifier, into the histogram), attention to special tokens, and (given a second
// model's maps on the same inputs) fine-tuning drift. The UI streams a sample through it batch by
// batch; the benchmark times it against the forward passes.

import { addDriftBatch, createDriftAccumulator, driftResult, type DriftAccumulator, type DriftResult } from './drift';
import { addExamplePatterns, createPatternHistogram, patternHistogramResult, type PatternHistogram, type PatternHistogramResult } from './patternHistogram';
import { patternClassifier } from './patternClassifier';
import { featureScratchLength, measureHead, PATTERN_TYPES, tokenLayout, type HeadFeatures, type PatternType } from './patterns';
import { addBatch, checkBatchShape, createSpecialTokenAccumulator, specialTokenResult, tokenClassFlags, type SpecialTokenAccumulator, type SpecialTokenResult } from './specialTokens';

/** One engine batch, as `engine.run` returns it (plus the encodings' tokens and token type ids). */
export interface AnalysisBatch {
  /** Per layer, [batch, heads, S, S]: row = attending token, column = attended token. */
  attentions: readonly Float32Array[];
  seqLen: number;
  /** Unpadded length of each example. */
  lengths: readonly number[];
  /** Tokens of each example (at least its unpadded length). */
  tokens: readonly (readonly string[])[];
  /** Token type ids of each example (0 = sentence A, 1 = sentence B); null for single sentences. */
  segments: readonly (ArrayLike<number> | null)[] | null;
  /** The other model's attentions on the same inputs (same layout), for drift; leave out for none. */
  otherAttentions?: readonly Float32Array[] | null;
}

export interface AnalysisState {
  readonly layers: number;
  readonly heads: number;
  readonly patterns: PatternHistogram;
  readonly special: SpecialTokenAccumulator;
  /** null when drift is not computed. */
  readonly drift: DriftAccumulator | null;
}

export function createAnalysisState(layers: number, heads: number, options: { drift?: boolean } = {}): AnalysisState {
  return {
    layers,
    heads,
    patterns: createPatternHistogram(layers, heads),
    special: createSpecialTokenAccumulator(layers, heads),
    drift: options.drift ? createDriftAccumulator(layers, heads) : null,
  };
}

export interface AnalyseOptions {
  /** The classifier: the default (patternClassifier.ts) unless given, e.g. `patternClassifier('rules')`. */
  classify?: (features: HeadFeatures) => PatternType;
  /** Also return every head's features (for the detail view); off for a sample, to save memory. */
  keepFeatures?: boolean;
}

export interface BatchAnalysis {
  /** Per example, [layer·heads + head] → index into PATTERN_TYPES. */
  types: Uint8Array[];
  /** Per example, [layer·heads + head] → the features behind the type; null unless keepFeatures. */
  features: HeadFeatures[][] | null;
}

const defaultType = patternClassifier('default');

/** Runs the analyses on one batch, adds it to the state, and returns the batch's per-head types. */
export function analyseBatch(state: AnalysisState, batch: AnalysisBatch, options: AnalyseOptions = {}): BatchAnalysis {
  const { layers, heads } = state;
  const { attentions, seqLen, lengths, tokens, segments, otherAttentions } = batch;
  checkBatchShape(attentions, layers, heads, seqLen, lengths);
  if (tokens.length !== lengths.length) throw new Error(`Expected tokens for ${lengths.length} examples, got ${tokens.length}.`);
  if (otherAttentions && !state.drift) throw new Error('This analysis was created without drift: pass { drift: true } to createAnalysisState.');
  const classify = options.classify ?? defaultType;
  const typeIndex = new Map<PatternType, number>(PATTERN_TYPES.map((t, i) => [t, i]));
  const size = seqLen * seqLen;
  const scratch = new Float64Array(featureScratchLength(seqLen));
  const flagsPerExample: Uint8Array[] = [];
  const types: Uint8Array[] = [];
  const features: HeadFeatures[][] | null = options.keepFeatures ? [] : null;

  for (let b = 0; b < lengths.length; b++) {
    const flags = tokenClassFlags(tokens[b], lengths[b]);
    flagsPerExample.push(flags);
    const layout = tokenLayout(tokens[b], segments?.[b] ?? null, lengths[b], flags);
    const exampleTypes = new Uint8Array(layers * heads);
    const exampleFeatures: HeadFeatures[] = [];
    for (let l = 0; l < layers; l++) {
      for (let h = 0; h < heads; h++) {
        const f = measureHead(attentions[l], (b * heads + h) * size, seqLen, layout, scratch);
        const type = classify(f);
        const index = typeIndex.get(type);
        if (index === undefined) throw new Error(`The classifier returned ${JSON.stringify(type)}, not a pattern type.`);
        exampleTypes[l * heads + h] = index;
        if (features) exampleFeatures.push(f);
      }
    }
    addExamplePatterns(state.patterns, exampleTypes);
    types.push(exampleTypes);
    if (features) features.push(exampleFeatures);
  }

  addBatch(state.special, attentions, seqLen, lengths, tokens, flagsPerExample);
  if (otherAttentions && state.drift) addDriftBatch(state.drift, otherAttentions, attentions, seqLen, lengths);
  return { types, features };
}

export interface AnalysisResult {
  patterns: PatternHistogramResult;
  special: SpecialTokenResult;
  drift: DriftResult | null;
}

export function analysisResult(state: AnalysisState): AnalysisResult {
  return {
    patterns: patternHistogramResult(state.patterns),
    special: specialTokenResult(state.special),
    drift: state.drift ? driftResult(state.drift) : null,
  };
}
