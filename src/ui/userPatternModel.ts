// The user's own fitted pattern classifier (JSON), kept in IndexedDB beside their labels so a link
// with classifier=user still finds it after a reload, and the classifier a view uses.
import { get, set } from 'idb-keyval';
import { useEffect, useState } from 'react';
import { headMap, type HeadRef } from '../analysis/attentionView';
import { patternClassifier, type ClassifierKind } from '../analysis/patternClassifier';
import { parsePatternModel } from '../analysis/patternModel';
import { evidenceInWords, headFeatures, type HeadFeatures, type PatternType } from '../analysis/patterns';

const KEY = 'head-atlas-pattern-model';

// Async, so a browser whose IndexedDB throws on open (blocked storage) gives a rejection here, never a throw in a render.
export async function readStoredPatternModel(): Promise<string | null> {
  try {
    const stored = await get(KEY);
    return typeof stored === 'string' ? stored : null;
  } catch {
    return null;
  }
}

export async function storePatternModel(json: string | null): Promise<void> {
  try {
    await set(KEY, json);
  } catch {
    // Where storage is unavailable the model stays on this page; Export keeps it.
  }
}

/** The user's fitted model as JSON (null: none), read from and written to the browser's storage. */
export function useUserPatternModel(): [string | null, (json: string | null) => void] {
  const [json, setJson] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    void readStoredPatternModel().then((stored) => {
      if (live && stored) setJson((current) => current ?? stored);
    });
    return () => {
      live = false;
    };
  }, []);
  const change = (next: string | null) => {
    setJson(next);
    void storePatternModel(next);
  };
  return [json, change];
}

export interface ActiveClassifier {
  /** The kind actually used (the default where the user's kind has no model). */
  kind: ClassifierKind;
  classify(features: HeadFeatures): PatternType;
  /** Why the kind asked for is not the one used, or null. */
  problem: string | null;
}

/** The classifier of the kind asked for, falling back to the default (and saying why) where it cannot be used. */
export function activeClassifier(kind: ClassifierKind, userModelJson: string | null): ActiveClassifier {
  if (kind !== 'user') return { kind, classify: patternClassifier(kind), problem: null };
  if (!userModelJson) {
    return { kind: 'default', classify: patternClassifier('default'), problem: 'This link uses your fitted classifier, which this browser does not have: fit one on your labels or load it (JSON) under a head’s pattern card. The default classifier is used until then.' };
  }
  try {
    return { kind, classify: patternClassifier('user', parsePatternModel(userModelJson)), problem: null };
  } catch (e) {
    return { kind: 'default', classify: patternClassifier('default'), problem: `Your fitted classifier cannot be used (${(e as Error).message}); the default classifier is used.` };
  }
}

/** One head's type on this example with the evidence in words ("diagonal: 71% of attention on the token 2 back"). */
export function headEvidence(attentions: Float32Array[], seqLen: number, tokens: string[], segments: number[], ref: HeadRef, classify: (f: HeadFeatures) => PatternType): string {
  const f = headFeatures(headMap(attentions, seqLen, ref), seqLen, tokens.length, tokens, segments);
  return evidenceInWords(classify(f), f, tokens);
}
