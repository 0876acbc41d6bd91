// Which classifier decides a head's pattern type: the default (softmax regression fitted on the
// project's labelled real maps, data/patterns/, with the block rule in front), the rules
// (patterns.ts classifyByRules, which also explain every decision), or the user's own model fitted
// on their labels. The link records which one made a histogram (urlState.ts `classifier`).

import defaultModel from './defaultPatternModel.json';
import { classifyWithModel, parsePatternModel, predict, type FitOptions, type PatternModel } from './patternModel';
import { classifyByRules, type HeadFeatures, type PatternType } from './patterns';

export const CLASSIFIER_KINDS = ['default', 'rules', 'user'] as const;
export type ClassifierKind = (typeof CLASSIFIER_KINDS)[number];

/** How the default model is fitted (scripts/patterns/eval.mjs --write uses these). */
export const DEFAULT_FIT_OPTIONS: FitOptions = { l2: 1e-3, iterations: 2000 };

/** The shipped default model (regenerate with `npm run patterns:eval -- --write`). */
export const DEFAULT_PATTERN_MODEL: PatternModel = parsePatternModel(JSON.stringify(defaultModel));

/** What each classifier is called on screen. */
export const CLASSIFIER_NAMES: Record<ClassifierKind, string> = {
  default: `default classifier (fitted on ${DEFAULT_PATTERN_MODEL.examples} labelled real maps)`,
  rules: 'rules',
  user: 'your fitted classifier',
};

/**
 * The classifier of a kind, as a function of a head's features. The user's kind needs their model;
 * without one it throws, so a histogram never claims a classifier that did not make it.
 */
export function patternClassifier(kind: ClassifierKind, userModel: PatternModel | null = null): (features: HeadFeatures) => PatternType {
  switch (kind) {
    case 'default':
      return (f) => classifyWithModel(DEFAULT_PATTERN_MODEL, f);
    case 'rules':
      return (f) => classifyByRules(f).type;
    case 'user': {
      if (!userModel) throw new Error('No fitted classifier of yours is loaded: fit one on your labels or load one (JSON) first.');
      return (f) => predict(userModel, f).type;
    }
  }
}
