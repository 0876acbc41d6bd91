// Synthetic maps shaped like the real heads the first classifier got wrong (issue 13): diagonals at
// offsets ±2/±3, soft local bands, stripes on ordinary words holding 20–60% of each row, local
// attention in sentence pairs, blocks under heavy noise, and stripe + line mixtures. Each family
// has one true type. They are unit tests for the classifiers, never training data (the default is
// fitted on labelled real maps, data/patterns/).

import { mulberry32 } from './bootstrap';
import type { PatternType } from './patterns';
import { syntheticTokens } from './syntheticMaps';

export const HARD_FAMILIES = ['far offsets', 'soft bands', 'word stripes', 'local in pairs', 'noisy blocks', 'mixtures'] as const;
export type HardFamily = (typeof HARD_FAMILIES)[number];

export const FAMILY_TYPE: Record<HardFamily, PatternType> = {
  'far offsets': 'diagonal',
  'soft bands': 'diagonal',
  'word stripes': 'vertical',
  'local in pairs': 'diagonal',
  'noisy blocks': 'block',
  mixtures: 'vertical+diagonal',
};

export interface FamilyMap {
  family: HardFamily;
  type: PatternType;
  map: Float32Array;
  length: number;
  tokens: string[];
  segments: number[];
  /** The offset column − row of the family's line, where it has one (for the evidence tests). */
  offset: number | null;
  /** The columns of the family's stripes, where it has them. */
  columns: number[];
}

const exponential = (random: () => number) => -Math.log(1 - random());

function normalise(row: Float64Array): void {
  let sum = 0;
  for (const v of row) sum += v;
  for (let i = 0; i < row.length; i++) row[i] /= sum;
}

/** Rows of background: content-like random weights (a few stronger peaks), different in every row. */
function background(row: Float64Array, random: () => number): void {
  for (let c = 0; c < row.length; c++) row[c] = Math.pow(exponential(random), 1.5);
  normalise(row);
}

/** Ordinary word columns (not [CLS], [SEP] or punctuation). */
function wordColumns(tokens: string[]): number[] {
  return tokens.flatMap((t, i) => (/^[a-z#]/.test(t) ? [i] : []));
}

/** A line at `offset` from each row (clamped into the map at the edges), weight `share`, on top of `row`. */
function addLine(row: Float64Array, r: number, offset: number, share: number): void {
  const c = Math.min(row.length - 1, Math.max(0, r + offset));
  for (let i = 0; i < row.length; i++) row[i] *= 1 - share;
  row[c] += share;
}

/** One map of a family, of the given length (pairs where the family needs them). */
export function familyMap(family: HardFamily, length: number, random: () => number): FamilyMap {
  const pair = family === 'local in pairs' || family === 'noisy blocks' || (family !== 'word stripes' && random() < 0.5);
  const { tokens, segments } = syntheticTokens(length, pair, random);
  const map = new Float32Array(length * length);
  const row = new Float64Array(length);
  let offset: number | null = null;
  let columns: number[] = [];
  const words = wordColumns(tokens);
  if (family === 'far offsets') offset = (random() < 0.5 ? -1 : 1) * (2 + Math.floor(random() * 2));
  if (family === 'soft bands' || family === 'local in pairs' || family === 'mixtures') offset = Math.floor(random() * 5) - 2;
  if (family === 'word stripes') columns = [words[Math.floor(random() * words.length)]];
  if (family === 'word stripes' && random() < 0.4) columns.push(words[Math.floor(random() * words.length)]);
  if (family === 'mixtures') columns = [random() < 0.5 ? tokens.lastIndexOf('[SEP]') : words[Math.floor(random() * words.length)]];
  columns = [...new Set(columns)];
  const lineShare = 0.5 + 0.4 * random();
  const stripeShare = 0.25 + 0.35 * random();
  const width = 1 + random();
  for (let r = 0; r < length; r++) {
    background(row, random);
    switch (family) {
      case 'far offsets':
        addLine(row, r, offset!, lineShare);
        break;
      case 'soft bands':
      case 'local in pairs': {
        // exp(−|c − r − offset| / width) over the band, then a little background.
        const band = new Float64Array(length);
        for (let c = 0; c < length; c++) if (Math.abs(c - r - offset!) <= 4 && (family === 'soft bands' || segments[c] === segments[r])) band[c] = Math.exp(-Math.abs(c - r - offset!) / width);
        if (band.every((v) => v === 0)) band[r] = 1;
        normalise(band);
        for (let c = 0; c < length; c++) row[c] = 0.8 * band[c] + 0.2 * row[c];
        break;
      }
      case 'word stripes':
        for (const c of columns) addLine(row, r, c - r, stripeShare / columns.length);
        break;
      case 'noisy blocks': {
        // Spread over the own sentence (Gamma(2) weights), then 35–50% content-like noise.
        const block = new Float64Array(length);
        for (let c = 0; c < length; c++) if (segments[c] === segments[r]) block[c] = exponential(random) + exponential(random);
        normalise(block);
        const noise = 0.35 + 0.15 * random();
        for (let c = 0; c < length; c++) row[c] = (1 - noise) * block[c] + noise * row[c];
        break;
      }
      case 'mixtures':
        addLine(row, r, offset!, 0.45);
        addLine(row, r, columns[0] - r, 0.3 + 0.2 * random());
        break;
    }
    for (let c = 0; c < length; c++) map[r * length + c] = row[c];
  }
  return { family, type: FAMILY_TYPE[family], map, length, tokens, segments, offset, columns };
}

/** `perFamily` maps of each family, lengths 10–100, from the seed. */
export function familySet(seed: number, perFamily = 40): FamilyMap[] {
  const random = mulberry32(seed);
  return HARD_FAMILIES.flatMap((family) => Array.from({ length: perFamily }, () => familyMap(family, 10 + Math.floor(random() * 91), random)));
}
