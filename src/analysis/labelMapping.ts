// Which of a task's classes each of a model's outputs stands for.
//
// A fine-tuned model's output order is whatever its training script used, and many Hub configs
// name their outputs only LABEL_0, LABEL_1, … . Scoring a model with the wrong mapping gives a
// plausible-looking number that is wrong (for a binary task, 1 − the real accuracy), so the mapping
// comes from the best source there is, says which one it used, and `chanceHint` flags a baseline
// that looks like a wrong mapping.

import type { GlueTaskKey, GlueTaskSpec } from './glue';
import type { Values } from './metrics';

/** Where a mapping came from: the model's own label names, the catalogue of known Hub models, or output i = class i. */
export type MappingSource = 'config' | 'catalogue' | 'identity';

export interface LabelMapping {
  /** Model output index → task class index. For a regression task (STS-B): [0], the one output is the score. */
  mapping: number[];
  source: MappingSource;
  /** One or two sentences for the user: what the mapping is based on, and anything doubtful about it. */
  note: string;
}

/** A Hub model whose config does not name its outputs: what each output means, in output order. */
export interface CatalogueEntry {
  /** The task the model was fine-tuned on. */
  task: GlueTaskKey;
  /** Output names in output order, in the task's class-name vocabulary; ['score'] for regression. */
  outputs: string[];
  /** Where the order comes from. */
  evidence: string;
}

const TEXTATTACK_GLUE_ORDER =
  "TextAttack's model table (textattack/model_args.py) trains it on the Hugging Face `glue` dataset with no label remapping, so outputs follow the dataset's label order";

/**
 * Known models whose configs say only LABEL_n, keyed by lower-case `owner/name`.
 *
 * textattack/bert-base-uncased-MNLI is the trap: TextAttack loads MNLI with
 * `HuggingFaceDataset("glue", "mnli", "validation_matched", None, {0: 1, 1: 2, 2: 0})`, and its
 * dataset class applies `label_map[dataset_label]` to get the model's label. So the dataset's
 * entailment (0) is the model's output 1, neutral (1) is output 2 and contradiction (2) is output 0:
 * outputs are [contradiction, entailment, neutral]. (The older model table writes the same map as
 * the list [1, 2, 0].) Scored with the identity mapping, this model lands far below chance.
 */
export const MODEL_CATALOGUE: Readonly<Record<string, CatalogueEntry>> = {
  'textattack/bert-base-uncased-sst-2': { task: 'sst2', outputs: ['negative', 'positive'], evidence: TEXTATTACK_GLUE_ORDER },
  'textattack/bert-base-uncased-mrpc': { task: 'mrpc', outputs: ['not_equivalent', 'equivalent'], evidence: TEXTATTACK_GLUE_ORDER },
  'textattack/bert-base-uncased-sts-b': {
    task: 'stsb',
    outputs: ['score'],
    // TextAttack divides STS-B gold scores by 5 (output_scale_factor 5.0); Pearson and Spearman do not see the scale.
    evidence: 'a regression head with one output (TextAttack scales STS-B scores by 1/5, which Pearson and Spearman ignore)',
  },
  'textattack/bert-base-uncased-qqp': { task: 'qqp', outputs: ['not_duplicate', 'duplicate'], evidence: TEXTATTACK_GLUE_ORDER },
  'textattack/bert-base-uncased-rte': { task: 'rte', outputs: ['entailment', 'not_entailment'], evidence: TEXTATTACK_GLUE_ORDER },
  'textattack/bert-base-uncased-qnli': { task: 'qnli', outputs: ['entailment', 'not_entailment'], evidence: TEXTATTACK_GLUE_ORDER },
  'textattack/bert-base-uncased-mnli': {
    task: 'mnli',
    outputs: ['contradiction', 'entailment', 'neutral'],
    evidence: 'TextAttack trained it with label_map {0: 1, 1: 2, 2: 0} from the `glue` dataset\'s labels to its own, so its outputs are contradiction, entailment, neutral (not the dataset\'s entailment, neutral, contradiction)',
  },
  'textattack/bert-base-uncased-cola': { task: 'cola', outputs: ['unacceptable', 'acceptable'], evidence: TEXTATTACK_GLUE_ORDER },
  'textattack/bert-base-uncased-wnli': { task: 'wnli', outputs: ['not_entailment', 'entailment'], evidence: TEXTATTACK_GLUE_ORDER },
};

/** "ENTAILMENT", "Not Entailment" and "not-entailment" all read as "not_entailment". */
function normalize(name: string): string {
  return name.trim().toLowerCase().replace(/[\s-]+/g, '_');
}

// Names other models use for GLUE's classes. Tried only after the task's own names, so NLI's
// neutral/contradiction fold into not_entailment only for two-class tasks (RTE, QNLI, WNLI).
const SYNONYMS: Readonly<Record<string, string>> = {
  neg: 'negative',
  pos: 'positive',
  paraphrase: 'equivalent',
  not_paraphrase: 'not_equivalent',
  is_duplicate: 'duplicate',
  entails: 'entailment',
  entailed: 'entailment',
  non_entailment: 'not_entailment',
  not_entailed: 'not_entailment',
  neutral: 'not_entailment',
  contradiction: 'not_entailment',
  contradicts: 'contradiction',
  grammatical: 'acceptable',
  ungrammatical: 'unacceptable',
};

/** The task class a model output name stands for, or -1. */
function classOfName(name: string, task: Pick<GlueTaskSpec, 'classNames' | 'labels'>): number {
  const n = normalize(name);
  const classes = task.classNames.map(normalize);
  let i = classes.indexOf(n);
  // The file's own label values ("0"/"1" in SST-2) also name classes.
  if (i < 0) i = task.labels.map(normalize).indexOf(n);
  if (i < 0 && SYNONYMS[n]) i = classes.indexOf(SYNONYMS[n]);
  return i;
}

/** Output names → mapping, or the names that matched no class. */
function mapByNames(names: readonly string[], task: Pick<GlueTaskSpec, 'classNames' | 'labels'>): { mapping: number[] } | { unmatched: string[] } {
  const mapping = names.map((name) => classOfName(name, task));
  const unmatched = names.filter((_, i) => mapping[i] < 0);
  return unmatched.length > 0 ? { unmatched } : { mapping };
}

/** Lower-case `owner/name` of a model id as the app or the CLI writes it: "owner/name@rev", "https://host/owner/name@rev", or a folder path. */
export function catalogueKey(modelId: string): string {
  // A revision may hold slashes (refs/pr/2), so everything after the @ goes.
  const noRevision = modelId.trim().replace(/@.*$/, '').replace(/\/+$/, '');
  const parts = noRevision.split(/[\\/]+/).filter(Boolean);
  return parts.slice(-2).join('/').toLowerCase();
}

const describeMapping = (mapping: readonly number[], task: Pick<GlueTaskSpec, 'classNames'>) =>
  mapping.map((c, i) => `${i}→${task.classNames[c] ?? `class ${c}`}`).join(', ');

/** More outputs than any GLUE task has classes by far: such a model is described, never mapped. */
const MAX_TASK_OUTPUTS = 64;

/**
 * The mapping to score a model on a task with, by default:
 * 1. `config`: the config's id2label names (`ModelInfo.shape.labels`; null when they are only
 *    LABEL_n) when every one names a class of the task;
 * 2. `catalogue`: the known output order of a catalogued Hub model (see MODEL_CATALOGUE);
 * 3. `identity`: output i is class i, with a note saying it is a guess.
 * `numModelOutputs` is the model's number of outputs (`shape.numLabels`); it defaults to the
 * number of names, or to the task's class count when there are none.
 * A returned mapping can still be invalid (e.g. 3 outputs on a 2-class task): check it with `validateMapping`.
 */
export function defaultLabelMapping(
  modelLabels: readonly string[] | null,
  modelId: string,
  task: GlueTaskSpec,
  numModelOutputs: number = modelLabels?.length ?? (task.regression ? 1 : task.classNames.length),
): LabelMapping {
  const entry = MODEL_CATALOGUE[catalogueKey(modelId)];
  // A config can claim any number of outputs (1e8): a task has at most a few classes, so a
  // mapping of more outputs than any task has is never built, only described.
  if (numModelOutputs > MAX_TASK_OUTPUTS) {
    const needs = task.regression ? 1 : task.classNames.length;
    return { mapping: [], source: 'identity', note: `The model has ${numModelOutputs} outputs; ${task.name} needs ${needs}.` };
  }
  const identity = Array.from({ length: numModelOutputs }, (_, i) => i);
  if (task.regression) {
    const base = numModelOutputs === 1 ? 'The model has one output, read as the score.' : `${task.name} is scored as regression, which needs a model with one output; this one has ${numModelOutputs}.`;
    if (entry?.task === task.key) return { mapping: identity, source: 'catalogue', note: `${base} Catalogue: ${entry.evidence}.` };
    return { mapping: identity, source: 'identity', note: base };
  }
  const doubts: string[] = [];
  // LABEL_0, LABEL_1, … name nothing (the engine already reports them as null).
  const named = modelLabels && !modelLabels.every((l, i) => l === `LABEL_${i}`) ? modelLabels : null;
  if (named && named.length === numModelOutputs) {
    const byConfig = mapByNames(named, task);
    if ('mapping' in byConfig) {
      return { mapping: byConfig.mapping, source: 'config', note: `From the model's label names: ${describeMapping(byConfig.mapping, task)}.` };
    }
    doubts.push(`the model's label names (${named.join(', ')}) do not all name ${task.name} classes (${task.classNames.join(', ')})`);
  }
  if (entry) {
    const byCatalogue = entry.outputs.length === numModelOutputs ? mapByNames(entry.outputs, task) : null;
    if (byCatalogue && 'mapping' in byCatalogue) {
      const other = entry.task === task.key ? '' : ` It was fine-tuned on ${entry.task}, not ${task.key}.`;
      return {
        mapping: byCatalogue.mapping,
        source: 'catalogue',
        note: `Known model: ${describeMapping(byCatalogue.mapping, task)}. ${upperFirst(entry.evidence)}.${other}`,
      };
    }
    doubts.push(`it is catalogued as a ${entry.task} model whose outputs (${entry.outputs.join(', ')}) do not map onto ${task.name}`);
  }
  if (numModelOutputs !== task.classNames.length) {
    doubts.push(`it has ${numModelOutputs} output${numModelOutputs === 1 ? '' : 's'} and ${task.name} has ${task.classNames.length} classes`);
  }
  const why = doubts.length > 0 ? doubts.join('; ') : "the model's config does not name its outputs and it is not in the catalogue";
  return {
    mapping: identity,
    source: 'identity',
    note: `Assumed output i is ${task.name} class i (${describeMapping(identity, task)}), since ${why}. Check the unmasked score before trusting a sweep.`,
  };
}

function upperFirst(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * Why `mapping` cannot score a model with `numModelOutputs` outputs on a task with
 * `numTaskClasses` classes (0 for regression), or null when it can. Several outputs may map to
 * one class (an MNLI model on RTE), but every class must be reachable.
 */
export function validateMapping(mapping: readonly number[], numModelOutputs: number, numTaskClasses: number): string | null {
  if (numTaskClasses === 0) {
    if (numModelOutputs !== 1) return `A regression task needs a model with one output (the score); this one has ${numModelOutputs}.`;
    return mapping.length === 1 && mapping[0] === 0 ? null : 'A regression task reads the model\'s one output as the score: the mapping must be [0].';
  }
  if (numModelOutputs === 1) return `The model has one output (a regression head), so it cannot be scored on a task with ${numTaskClasses} classes.`;
  if (mapping.length !== numModelOutputs) return `The mapping has ${mapping.length} entries, but the model has ${numModelOutputs} outputs: give one task class per output.`;
  for (let i = 0; i < mapping.length; i++) {
    const c = mapping[i];
    if (!Number.isInteger(c) || c < 0 || c >= numTaskClasses) return `Output ${i} maps to ${c}, which is not a class index (0 to ${numTaskClasses - 1}).`;
  }
  for (let c = 0; c < numTaskClasses; c++) {
    if (!mapping.includes(c)) return `No output maps to class ${c}, so the model could never predict it.`;
  }
  return null;
}

/** Task class of each prediction: `predictions` are model output indices (e.g. argmax of the logits). */
export function applyMapping(predictions: Values, mapping: readonly number[]): number[] {
  return Array.from(predictions, (p, i) => {
    const c = mapping[p];
    if (!Number.isInteger(p) || c === undefined) throw new Error(`Prediction ${i} is output ${p}, which the mapping (${mapping.length} outputs) does not cover.`);
    return c;
  });
}

/**
 * A mapping from the command line or a text field: task class indices ("2,0,1") or class names
 * ("contradiction,entailment,neutral"), one per model output, in output order.
 */
export function parseMappingSpec(text: string, task: Pick<GlueTaskSpec, 'classNames' | 'labels' | 'name'>): number[] {
  const items = text.split(',').map((s) => s.trim());
  if (items.length === 0 || items.some((s) => s === '')) throw new Error(`"${text}" is not a label mapping: give one ${task.name} class per model output, separated by commas (e.g. 2,0,1).`);
  return items.map((item) => {
    if (/^\d+$/.test(item)) return Number(item);
    const c = classOfName(item, task);
    if (c < 0) throw new Error(`"${item}" is not a ${task.name} class (${task.classNames.join(', ')}).`);
    return c;
  });
}

const CHANCE_MARGIN = 0.05;

function counts(labels: Values, classes: number): number[] {
  const n = new Array<number>(classes).fill(0);
  for (let i = 0; i < labels.length; i++) if (labels[i] >= 0 && labels[i] < classes) n[labels[i]]++;
  return n;
}

/**
 * A warning when a model's unmasked (baseline) score is what guessing gets, which for a
 * fine-tuned model usually means the label mapping is wrong; null when the score looks fine.
 * `score` is the task's headline metric; `labels` the gold labels of the examples scored.
 * Chance is the majority-class rate for accuracy, the F1 of always answering "positive" for F1,
 * and 0 for correlations; a score clearly under chance reads as swapped labels.
 */
export function chanceHint(score: number, task: GlueTaskSpec, labels: Values): string | null {
  if (labels.length === 0 || !Number.isFinite(score)) return null;
  const advice = 'the label mapping may be wrong (or the model is not fine-tuned on this task): check it.';
  const fmt = (x: number) => x.toFixed(3);
  switch (task.headline) {
    case 'accuracy': {
      const perClass = counts(labels, task.classNames.length);
      const majority = Math.max(...perClass) / labels.length;
      const guess = 1 / task.classNames.length;
      if (score < guess - CHANCE_MARGIN) return `Accuracy ${fmt(score)} is below random guessing (${fmt(guess)}): the outputs look swapped, ${advice}`;
      if (score <= majority + CHANCE_MARGIN) return `Accuracy ${fmt(score)} is near chance (${fmt(majority)} by always answering the most common class): ${advice}`;
      return null;
    }
    case 'f1': {
      const positives = counts(labels, 2)[1] / labels.length;
      const alwaysPositive = positives === 0 ? 0 : (2 * positives) / (1 + positives);
      if (score <= alwaysPositive + CHANCE_MARGIN) return `F1 ${fmt(score)} is near or below chance (${fmt(alwaysPositive)} by always answering "${task.classNames[1]}"): ${advice}`;
      return null;
    }
    case 'matthews':
    case 'pearson':
    case 'spearman':
      if (score < -CHANCE_MARGIN) return `The ${task.headline} correlation is negative (${fmt(score)}): the outputs look reversed, ${advice}`;
      if (score <= CHANCE_MARGIN) return `The ${task.headline} correlation ${fmt(score)} is near chance (0): ${advice}`;
      return null;
  }
}
