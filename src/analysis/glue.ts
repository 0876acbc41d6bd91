// GLUE tasks: what each task's file holds, how to read it, and how GLUE scores it.
// Files are split on TAB only, never CSV-parsed: GLUE text holds unbalanced quotes
// (QNLI, STS-B, RTE) that a CSV reader would swallow whole lines into.

export type GlueTaskKey = 'sst2' | 'mrpc' | 'stsb' | 'rte' | 'qnli' | 'mnli' | 'cola' | 'wnli' | 'qqp';

export type GlueMetric = 'accuracy' | 'f1' | 'pearson' | 'spearman' | 'matthews';

export interface TaskExample {
  textA: string;
  textB: string | null;
  /** The gold label: a class index into the task's `classNames`, or for STS-B the score (0–5). */
  label: number;
  /** Position of the row among the file's data rows (0 = first row after any header). Set by the parser. */
  index?: number;
}

/** A row as the parser returns it: always with its position in the file. */
export interface GlueExample extends TaskExample {
  index: number;
}

/** A column, by header name (files with a header line) or by 0-based position (files without). */
export type GlueColumn = string | number;

/** How one file format lays out its columns. */
export interface GlueFileLayout {
  /** Whether the first line is a header. When false, every column is given by position. */
  header: boolean;
  textA: GlueColumn;
  textB: GlueColumn | null;
  label: GlueColumn;
}

export interface GlueTaskSpec {
  key: GlueTaskKey;
  /** Display name, as GLUE writes it. */
  name: string;
  /** Columns of the GLUE-format file (the first of `layouts`). Kept as fields for older callers. */
  textA: GlueColumn;
  textB: GlueColumn | null;
  label: GlueColumn;
  /** Every file format the parser accepts, the GLUE one first; the parser picks the one the file fits. */
  layouts: GlueFileLayout[];
  /** Label values in output (class index) order, as the file writes them. Empty for regression. */
  labels: string[];
  /** Class names in output order (Hugging Face `glue` dataset names), matched against a model's id2label. Empty for regression. */
  classNames: string[];
  /** STS-B: the label is a float score, not a class. */
  regression: boolean;
  /** The metrics GLUE reports for the task, in GLUE's order. */
  metrics: GlueMetric[];
  /** The one metric to show first: BERT's paper reports F1 for MRPC and QQP, Spearman for STS-B, Matthews for CoLA, accuracy elsewhere. */
  headline: GlueMetric;
  /** The shipped file, relative to the app's base URL; undefined where none is shipped (QQP). */
  dataPath?: string;
  /** Rows in GLUE's own dev set (MNLI: dev_matched). */
  devSize: number;
  /** Rows in the shipped file; differs from devSize for the MNLI sample; undefined where none is shipped. */
  shippedSize?: number;
  /** What to tell the user about the shipped file, where it is not simply GLUE's dev set. */
  dataNote?: string;
}

// Column names below are those of GLUE's dev.tsv files, as download_glue_data.py writes them.
const pair = (a: string, b: string, label: string): GlueFileLayout => ({ header: true, textA: a, textB: b, label });

function task(spec: Omit<GlueTaskSpec, 'textA' | 'textB' | 'label' | 'regression'> & { regression?: boolean }): GlueTaskSpec {
  const [first] = spec.layouts;
  return { ...spec, textA: first.textA, textB: first.textB, label: first.label, regression: spec.regression ?? false };
}

export const GLUE_TASKS: Record<GlueTaskKey, GlueTaskSpec> = {
  sst2: task({
    key: 'sst2', name: 'SST-2',
    layouts: [{ header: true, textA: 'sentence', textB: null, label: 'label' }],
    labels: ['0', '1'], classNames: ['negative', 'positive'],
    metrics: ['accuracy'], headline: 'accuracy',
    dataPath: 'data/sst2/dev.tsv', devSize: 872, shippedSize: 872,
  }),
  mrpc: task({
    key: 'mrpc', name: 'MRPC',
    layouts: [pair('#1 String', '#2 String', 'Quality')],
    labels: ['0', '1'], classNames: ['not_equivalent', 'equivalent'],
    metrics: ['f1', 'accuracy'], headline: 'f1',
    dataPath: 'data/mrpc/dev.tsv', devSize: 408, shippedSize: 408,
  }),
  stsb: task({
    key: 'stsb', name: 'STS-B',
    layouts: [pair('sentence1', 'sentence2', 'score')],
    labels: [], classNames: [], regression: true,
    metrics: ['pearson', 'spearman'], headline: 'spearman',
    dataPath: 'data/stsb/dev.tsv', devSize: 1500, shippedSize: 1500,
  }),
  rte: task({
    key: 'rte', name: 'RTE',
    layouts: [pair('sentence1', 'sentence2', 'label')],
    labels: ['entailment', 'not_entailment'], classNames: ['entailment', 'not_entailment'],
    metrics: ['accuracy'], headline: 'accuracy',
    dataPath: 'data/rte/dev.tsv', devSize: 277, shippedSize: 277,
  }),
  qnli: task({
    key: 'qnli', name: 'QNLI',
    layouts: [pair('question', 'sentence', 'label')],
    labels: ['entailment', 'not_entailment'], classNames: ['entailment', 'not_entailment'],
    metrics: ['accuracy'], headline: 'accuracy',
    dataPath: 'data/qnli/dev.tsv', devSize: 5463, shippedSize: 5463,
  }),
  mnli: task({
    key: 'mnli', name: 'MNLI-m',
    // GLUE's dev_matched.tsv, then the header-less gold_label/premise/hypothesis sample that is shipped.
    layouts: [pair('sentence1', 'sentence2', 'gold_label'), { header: false, textA: 1, textB: 2, label: 0 }],
    labels: ['entailment', 'neutral', 'contradiction'], classNames: ['entailment', 'neutral', 'contradiction'],
    metrics: ['accuracy'], headline: 'accuracy',
    dataPath: 'data/mnli/textfooler_mnli_matched_1000.tsv', devSize: 9815, shippedSize: 1000,
    dataNote: 'A 1,000-example sample of MNLI dev-matched (from TextFooler), PTB-tokenized; GLUE\'s full dev-matched set has 9,815 examples.',
  }),
  cola: task({
    key: 'cola', name: 'CoLA',
    // GLUE's CoLA dev.tsv has no header: source, label, original mark, sentence.
    layouts: [{ header: false, textA: 3, textB: null, label: 1 }],
    labels: ['0', '1'], classNames: ['unacceptable', 'acceptable'],
    metrics: ['matthews'], headline: 'matthews',
    dataPath: 'data/cola/dev.tsv', devSize: 1043, shippedSize: 1043,
  }),
  wnli: task({
    key: 'wnli', name: 'WNLI',
    layouts: [pair('sentence1', 'sentence2', 'label')],
    labels: ['0', '1'], classNames: ['not_entailment', 'entailment'],
    metrics: ['accuracy'], headline: 'accuracy',
    dataPath: 'data/wnli/dev.tsv', devSize: 71, shippedSize: 71,
  }),
  qqp: task({
    key: 'qqp', name: 'QQP',
    // Not shipped (GLUE's dev.tsv is over 4 MiB): the user supplies it.
    layouts: [pair('question1', 'question2', 'is_duplicate')],
    labels: ['0', '1'], classNames: ['not_duplicate', 'duplicate'],
    metrics: ['f1', 'accuracy'], headline: 'f1',
    devSize: 40430,
  }),
};

/** Task keys in GLUE's usual order, for menus. */
export const GLUE_TASK_KEYS: readonly GlueTaskKey[] = ['cola', 'sst2', 'mrpc', 'stsb', 'qqp', 'mnli', 'qnli', 'rte', 'wnli'];

export function isGlueTaskKey(key: string): key is GlueTaskKey {
  return Object.hasOwn(GLUE_TASKS, key);
}

export interface ParseOptions {
  /** Names the file in error messages (e.g. the name of a file the user dropped). */
  fileName?: string;
}

interface Line {
  text: string;
  /** 1-based line number in the file, for messages. */
  number: number;
}

interface ResolvedLayout {
  layout: GlueFileLayout;
  a: number;
  b: number;
  y: number;
}

/**
 * Examples of `task` from a GLUE-format TSV: the shipped dev files, or a file the user supplies.
 * Throws an Error whose message says what is wrong: an empty file, a missing column (with the
 * header shown), a row with too few columns, or a bad label (with its line number).
 * Text cells are kept verbatim apart from surrounding whitespace; a UTF-8 BOM is dropped.
 */
export function parseGlueTsv(text: string, task: GlueTaskSpec, options: ParseOptions = {}): GlueExample[] {
  const what = options.fileName ? `${options.fileName} (${task.name})` : `The ${task.name} file`;
  const lines: Line[] = [];
  text.replace(/^\uFEFF/, '').split(/\r?\n/).forEach((t, i) => {
    if (t.trim().length > 0) lines.push({ text: t, number: i + 1 });
  });
  if (lines.length === 0) throw new Error(`${what} is empty.`);

  const resolved = resolveLayout(lines, task, what);
  const rows = resolved.layout.header ? lines.slice(1) : lines;
  if (rows.length === 0) throw new Error(`${what} has a header line but no examples.`);
  const needed = Math.max(resolved.a, resolved.b, resolved.y) + 1;
  return rows.map((line, index) => {
    const cells = line.text.split('\t');
    if (cells.length < needed) {
      throw new Error(`Line ${line.number} of ${lowerFirst(what)} has ${cells.length} column${cells.length === 1 ? '' : 's'}, but ${task.name} needs ${needed}: ${line.text.length > 80 ? `${line.text.slice(0, 80)}…` : line.text}`);
    }
    return {
      textA: cells[resolved.a].trim(),
      textB: resolved.b < 0 ? null : cells[resolved.b].trim(),
      label: parseLabel(cells[resolved.y], task, `Line ${line.number} of ${lowerFirst(what)}`),
      index,
    };
  });
}

/** "The X file" reads "the X file" mid-sentence; a file name stays as it is. */
function lowerFirst(what: string): string {
  return what.startsWith('The ') ? `the ${what.slice(4)}` : what;
}

function parseLabel(cell: string, task: GlueTaskSpec, where: string): number {
  const value = cell.trim();
  if (task.regression) {
    // Number('') is 0, so an empty cell needs its own check.
    const score = value === '' ? Number.NaN : Number(value);
    if (!Number.isFinite(score) || score < 0 || score > 5) throw new Error(`${where} has the score "${cell}", not a number from 0 to 5.`);
    return score;
  }
  const label = task.labels.indexOf(value);
  if (label < 0) throw new Error(`${where} has the label "${cell}", not one of ${task.labels.join(', ')}.`);
  return label;
}

/**
 * The layout the file fits: with one layout, that one (its errors are the useful ones);
 * with several (MNLI), the first whose header columns are all present, or, header-less,
 * whose first row has a valid label. A file fitting none is read as the GLUE format, to say what is missing.
 */
function resolveLayout(lines: Line[], task: GlueTaskSpec, what: string): ResolvedLayout {
  const header = lines[0].text.split('\t').map((h) => h.trim());
  const tryLayout = (layout: GlueFileLayout): ResolvedLayout | string => {
    const find = (column: GlueColumn): number | string => {
      if (typeof column === 'number') return column;
      const i = header.indexOf(column);
      return i >= 0 ? i : `${what} has no "${column}" column (its header is: ${header.join(', ')}).`;
    };
    const a = find(layout.textA);
    const b = layout.textB === null ? -1 : find(layout.textB);
    const y = find(layout.label);
    for (const found of [a, b, y]) if (typeof found === 'string') return found;
    return { layout, a: a as number, b: b as number, y: y as number };
  };
  const fits = (layout: GlueFileLayout): ResolvedLayout | null => {
    const r = tryLayout(layout);
    if (typeof r === 'string') return null;
    if (!layout.header) {
      try {
        parseLabel(header[r.y] ?? '', task, '');
      } catch {
        return null;
      }
    }
    return r;
  };
  if (task.layouts.length > 1) {
    for (const layout of task.layouts) {
      const r = fits(layout);
      if (r) return r;
    }
  }
  const first = tryLayout(task.layouts[0]);
  if (typeof first === 'string') throw new Error(first);
  return first;
}

/**
 * A deterministic handful of examples for an examples menu: up to `n`, spread evenly through the
 * file and, for classification, shared out across the classes in turn (so a menu of 6 SST-2 rows
 * shows 3 negative and 3 positive); for STS-B, spread evenly over the range of scores.
 * Returned in file order.
 */
export function taskExamples<T extends TaskExample>(task: GlueTaskSpec, examples: readonly T[], n: number): T[] {
  const count = Math.max(0, Math.floor(n));
  if (count >= examples.length) return examples.slice();
  const order = examples.map((_, i) => i);
  let picked: number[];
  if (task.regression) {
    // Stable sort by score, then evenly spaced quantiles: shows low, middle and high scores.
    order.sort((i, j) => examples[i].label - examples[j].label || i - j);
    picked = evenlySpaced(order, count);
  } else {
    const byClass = new Map<number, number[]>();
    for (const i of order) {
      const group = byClass.get(examples[i].label) ?? [];
      group.push(i);
      byClass.set(examples[i].label, group);
    }
    const groups = [...byClass.entries()].sort((x, y) => x[0] - y[0]).map(([, g]) => g);
    // Round-robin quotas: each class gets its turn until `count` is shared out or a class runs dry.
    const quota = groups.map(() => 0);
    for (let given = 0; given < count; ) {
      let progressed = false;
      for (let g = 0; g < groups.length && given < count; g++) {
        if (quota[g] < groups[g].length) {
          quota[g]++;
          given++;
          progressed = true;
        }
      }
      if (!progressed) break;
    }
    picked = groups.flatMap((g, k) => evenlySpaced(g, quota[k]));
  }
  return picked.sort((i, j) => i - j).map((i) => examples[i]);
}

/** `count` items of `items` at evenly spaced positions (the middle of each of `count` equal slices). */
function evenlySpaced<T>(items: readonly T[], count: number): T[] {
  return Array.from({ length: count }, (_, k) => items[Math.floor(((k + 0.5) * items.length) / count)]);
}
