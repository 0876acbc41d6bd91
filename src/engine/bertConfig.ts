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

function positiveInt(json: Record<string, unknown>, key: string, fallback?: number): number {
  const v = json[key] ?? fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
    throw new EngineError('not-bert', `config.json has no valid "${key}" (a positive integer), so this is not a BERT config.`);
  }
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
  const id2label = json.id2label && typeof json.id2label === 'object' ? (json.id2label as Record<string, unknown>) : null;
  const numLabels = id2label ? Object.keys(id2label).length : typeof json.num_labels === 'number' ? json.num_labels : 2;
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
    layerNormEps: typeof json.layer_norm_eps === 'number' ? json.layer_norm_eps : 1e-12,
    hiddenAct,
    head,
    numLabels,
    labels,
    architecture,
  };
}
