// The project's labelled set of real attention maps (issue 13, data/patterns/): the maps file that
// scripts/patterns/render-maps.mjs writes and the two labelling passes, read into features and
// labels. Pure: the caller reads the files (Node) and passes their text.

import type { LabelledFeatures } from './patternModel';
import { headFeatures, isPatternType, type HeadFeatures, type PatternType } from './patterns';

export interface RealMap {
  id: number;
  model: string;
  layer: number;
  head: number;
  task: string;
  text: { a: string; b: string | null };
  tokens: string[];
  segments: number[];
  length: number;
  /** length × length weights, each weight × scale rounded. */
  weights: number[];
}

export interface RealMapsFile {
  format: 'head-atlas-real-maps';
  version: 1;
  seed: number;
  scale: number;
  maps: RealMap[];
}

/** The short names the labelling passes use. */
const SHORT: Record<string, PatternType> = { v: 'vertical', d: 'diagonal', vd: 'vertical+diagonal', b: 'block', h: 'heterogeneous' };

export interface PassLabel {
  type: PatternType;
  /** Flagged "?" (unsure) in that pass. */
  unsure: boolean;
}

/** Reads a labelling pass: lines "id label" with label v, d, vd, b or h and an optional "?"; '#' lines are comments. */
export function parseLabelPass(text: string, what: string): Map<number, PassLabel> {
  const labels = new Map<number, PassLabel>();
  text.split('\n').forEach((line, i) => {
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith('#')) return;
    const m = /^(\d+)\s+(vd|v|d|b|h)(\?)?$/.exec(trimmed);
    if (!m) throw new Error(`${what} line ${i + 1}: "${trimmed}" is not "id label" with label v, d, vd, b or h (and an optional ?).`);
    const id = Number(m[1]);
    if (labels.has(id)) throw new Error(`${what} line ${i + 1}: map ${id} is labelled twice.`);
    labels.set(id, { type: SHORT[m[2]], unsure: m[3] === '?' });
  });
  return labels;
}

export interface LabelledMap {
  map: RealMap;
  first: PassLabel;
  /** The second pass's label, for the maps flagged unsure in the first. */
  second: PassLabel | null;
  /** The label used: the second pass's where there is one. */
  type: PatternType;
  features: HeadFeatures;
}

/** The maps with their labels and features; every map must have a first-pass label, and only flagged maps a second. */
export function labelledMaps(file: RealMapsFile, firstPass: Map<number, PassLabel>, secondPass: Map<number, PassLabel>): LabelledMap[] {
  if (file.format !== 'head-atlas-real-maps' || file.version !== 1) throw new Error('Not a head-atlas-real-maps file (version 1).');
  for (const id of secondPass.keys()) {
    if (!firstPass.get(id)?.unsure) throw new Error(`Map ${id} has a second-pass label but was not flagged unsure in the first pass.`);
  }
  return file.maps.map((m) => {
    const first = firstPass.get(m.id);
    if (!first) throw new Error(`Map ${m.id} has no first-pass label.`);
    const second = secondPass.get(m.id) ?? null;
    if (first.unsure && !second) throw new Error(`Map ${m.id} was flagged unsure but has no second-pass label.`);
    const weights = Float32Array.from(m.weights, (w) => w / file.scale);
    const type = second?.type ?? first.type;
    if (!isPatternType(type)) throw new Error(`Map ${m.id}: ${String(type)} is not a pattern type.`);
    return { map: m, first, second, type, features: headFeatures(weights, m.length, m.length, m.tokens, m.segments) };
  });
}

export const asExamples = (maps: readonly LabelledMap[]): LabelledFeatures[] => maps.map(({ features, type }) => ({ features, type }));
