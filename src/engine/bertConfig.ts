import { EngineError } from './errors';

export type BertHead = 'base' | 'sequence-classification' | 'masked-lm';
export type HiddenAct = 'gelu' | 'gelu_new' | 'relu';

/** What the engine needs to know of a BERT model, read from its `config.json`. */
export interface BertShape {
  layers: number;
  heads: number;
  hidden: number;
  intermediate: number;
  vocabSize: number;
  maxPositions: number;
  typeVocabSize: number;
  layerNormEps: number;
  hiddenAct: HiddenAct;
  /** Which head the config declares; the weights may still lack it (checked when they load). */
  head: BertHead;
  numLabels: number;
  /** Label names by output index, when the config names them (not `LABEL_n`). */
  labels: string[] | null;
  architecture: string;
}

const ARCHITECTURE_HEADS: Record<string, BertHead> = {
  BertModel: 'base',
  BertForSequenceClassification: 'sequence-classification',
  BertForMaskedLM: 'masked-lm',
  BertForPreTraining: 'masked-lm',
};

/**
 * Upper bounds on config numbers, far above any BERT (bert-large: 24 layers, 16 heads, hidden 1024;
 * multilingual vocabularies ~250k): a config past them is refused before anything is allocated.
 */
export const CONFIG_LIMITS = {
  num_hidden_layers: 256,
  num_attention_heads: 256,
  hidden_size: 16_384,
  intermediate_size: 65_536,
  vocab_size: 1_000_000,
  max_position_embeddings: 65_536,
  type_vocab_size: 1_024,
  num_labels: 10_000,
} as const;

type LimitedKey = keyof typeof CONFIG_LIMITS;

function configInt(key: LimitedKey, v: unknown, how = `"${key}"`): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
    const given = v === undefined ? '' : ` (it is ${JSON.stringify(v)})`;
    throw new EngineError('not-bert', `config.json has no valid ${how}: a positive integer is needed${given}, so this is not a BERT config.`);
  }
  if (v > CONFIG_LIMITS[key]) {
    throw new EngineError('not-bert', `config.json's ${how} is ${v}, over the ${CONFIG_LIMITS[key]} Head Atlas accepts: no BERT model is that large, so the file is refused.`);
  }
  return v;
}

function positiveInt(json: Record<string, unknown>, key: LimitedKey, fallback?: number): number {
  return configInt(key, json[key] ?? fallback);
}

function layerNormEps(v: unknown): number {
  if (v === undefined) return 1e-12;
  if (typeof v !== 'number' || !(v > 0 && v < 1)) throw new EngineError('not-bert', `config.json's "layer_norm_eps" is ${JSON.stringify(v)}; it must be a small positive number (BERT uses 1e-12).`);
  return v;
}

/** Reads a Hugging Face BERT `config.json`; anything that is not BERT-like is refused with the reason. */
export function parseBertConfig(raw: unknown): BertShape {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new EngineError('corrupt', 'config.json is not a JSON object.');
  }
  const json = raw as Record<string, unknown>;
  const modelType = json.model_type;
  if (modelType !== 'bert') {
    throw new EngineError(
      'not-bert',
      `This model's config.json says model_type "${String(modelType ?? 'missing')}". Head Atlas runs BERT models (model_type "bert"): ` +
        'bert-base-uncased, its fine-tunings, and other checkpoints of the same architecture.',
    );
  }
  const architectures = Array.isArray(json.architectures) ? (json.architectures as unknown[]).map(String) : [];
  const architecture = architectures[0] ?? 'BertModel';
  const head = ARCHITECTURE_HEADS[architecture] ?? 'base';
  const hidden = positiveInt(json, 'hidden_size');
  const heads = positiveInt(json, 'num_attention_heads');
  if (hidden % heads !== 0) {
    throw new EngineError('not-bert', `hidden_size ${hidden} is not divisible by num_attention_heads ${heads}.`);
  }
  const act = String(json.hidden_act ?? 'gelu');
  const hiddenAct: HiddenAct | null =
    act === 'gelu' ? 'gelu' : act === 'gelu_new' || act === 'gelu_pytorch_tanh' ? 'gelu_new' : act === 'relu' ? 'relu' : null;
  if (!hiddenAct) throw new EngineError('not-bert', `hidden_act "${act}" is not supported (gelu, gelu_new or relu).`);
  if (json.position_embedding_type !== undefined && json.position_embedding_type !== 'absolute') {
    throw new EngineError('not-bert', `position_embedding_type "${String(json.position_embedding_type)}" is not supported (absolute only).`);
  }
  const id2label = json.id2label && typeof json.id2label === 'object' && !Array.isArray(json.id2label) ? (json.id2label as Record<string, unknown>) : null;
  const numLabels = id2label
    ? configInt('num_labels', Object.keys(id2label).length, 'number of labels in "id2label"')
    : json.num_labels === undefined
      ? 2
      : configInt('num_labels', json.num_labels);
  let labels: string[] | null = null;
  if (id2label) {
    labels = Array.from({ length: numLabels }, (_, i) => String(id2label[String(i)] ?? `LABEL_${i}`));
    if (labels.every((l, i) => l === `LABEL_${i}`)) labels = null;
  }
  return {
    layers: positiveInt(json, 'num_hidden_layers'),
    heads,
    hidden,
    intermediate: positiveInt(json, 'intermediate_size', hidden * 4),
    vocabSize: positiveInt(json, 'vocab_size'),
    maxPositions: positiveInt(json, 'max_position_embeddings', 512),
    typeVocabSize: positiveInt(json, 'type_vocab_size', 2),
    layerNormEps: layerNormEps(json.layer_norm_eps),
    hiddenAct,
    head,
    numLabels,
    labels,
    architecture,
  };
}
