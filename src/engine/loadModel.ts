import { parseBertConfig, type BertHead, type BertShape } from './bertConfig';
import { buildCheckpointGraph, buildStageGraphs, type StageGraphs } from './checkpointGraph';
import { EngineError } from './errors';
import { FingerprintingSource } from './modelIdentity';
import type { FetchOptions, ModelSource } from './modelSource';
import { externalDataLocations, patchExportedGraph } from './onnxPatch';
import { parsePytorchCheckpoint } from './pytorchCheckpoint';
import { parseSafetensors } from './safetensors';
import type { StoredTensor } from './tensorData';
import { BertTokenizer } from './tokenizer';

export type ModelFormat = 'safetensors' | 'pytorch' | 'onnx';
export const ONNX_FILES = ['onnx/model.onnx', 'onnx/model_quantized.onnx', 'onnx/model_fp16.onnx'] as const;

export interface LoadOptions extends FetchOptions {
  /** Which weights to use; by default the first found of safetensors, PyTorch, ONNX. */
  format?: ModelFormat | 'auto';
  /** For ONNX: which file (by default the first of onnx/model.onnx, model_quantized.onnx, model_fp16.onnx). */
  onnxFile?: string;
}

/** A model ready for a session: the graph with attention outputs and mask inputs, and its tokenizer. */
export interface PreparedModel {
  label: string;
  /** What was loaded, by content (see modelIdentity.ts): the key of every stored result. */
  identity: string;
  shape: BertShape;
  head: BertHead;
  format: ModelFormat;
  weightFiles: string[];
  tokenizer: BertTokenizer;
  modelBytes: Uint8Array;
  /** Milliseconds spent building or patching the graph (not downloading). */
  graphMs: number;
}

async function fetchJson(source: ModelSource, path: string, options: FetchOptions): Promise<Record<string, unknown> | null> {
  const bytes = await source.fetchFile(path, options);
  if (!bytes) return null;
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new EngineError('corrupt', `${path} of ${source.label} is not valid JSON.`);
  }
}

async function loadSafetensors(source: ModelSource, options: FetchOptions): Promise<{ tensors: Map<string, StoredTensor>; files: string[] } | null> {
  const single = await source.fetchFile('model.safetensors', options);
  if (single) return { tensors: parseSafetensors(single), files: ['model.safetensors'] };
  const index = await fetchJson(source, 'model.safetensors.index.json', options);
  if (!index) return null;
  const weightMap = index.weight_map as Record<string, string> | undefined;
  if (!weightMap || typeof weightMap !== 'object') throw new EngineError('corrupt', 'model.safetensors.index.json has no weight_map.');
  const files = [...new Set(Object.values(weightMap))];
  const tensors = new Map<string, StoredTensor>();
  for (const file of files) {
    const bytes = await source.fetchFile(file, options);
    if (!bytes) throw new EngineError('not-found', `The shard ${file} named by model.safetensors.index.json is missing.`);
    for (const [k, v] of parseSafetensors(bytes, file)) tensors.set(k, v);
  }
  return { tensors, files };
}

/** A checkpoint's tensors in the requested format (or the first found: safetensors, then PyTorch); null where there is none and ONNX may be tried. */
async function loadCheckpoint(source: ModelSource, format: ModelFormat | 'auto', options: FetchOptions): Promise<{ tensors: Map<string, StoredTensor>; files: string[]; format: ModelFormat } | null> {
  if (format === 'auto' || format === 'safetensors') {
    const found = await loadSafetensors(source, options);
    if (found) return { ...found, format: 'safetensors' };
    if (format === 'safetensors') throw new EngineError('not-found', `${source.label} has no model.safetensors (nor a sharded index).`);
  }
  if (format === 'auto' || format === 'pytorch') {
    const bytes = await source.fetchFile('pytorch_model.bin', options);
    if (bytes) return { tensors: parsePytorchCheckpoint(bytes), files: ['pytorch_model.bin'], format: 'pytorch' };
    if (format === 'pytorch') throw new EngineError('not-found', `${source.label} has no pytorch_model.bin.`);
  }
  return null;
}

/**
 * A loaded checkpoint model's per-layer stage graphs (for reusing unchanged layers in masking
 * sweeps), read again from its source: cached Hub files, the bundled folder or the user's files,
 * so the weights need not stay in memory between sweeps. Null for ONNX-file models, whose graphs
 * the engine does not cut.
 */
export async function prepareStageGraphs(source: ModelSource, format: ModelFormat, options: FetchOptions = {}): Promise<StageGraphs | null> {
  const config = await fetchJson(source, 'config.json', options);
  if (!config) throw new EngineError('not-found', `${source.label} has no config.json any more.`);
  const checkpoint = await loadCheckpoint(source, format, options);
  if (!checkpoint) return null;
  return buildStageGraphs(parseBertConfig(config), checkpoint.tensors);
}

/** Fetches a model's files and prepares its graph, without creating a session (that needs a backend). */
export async function prepareModel(source: ModelSource, options: LoadOptions = {}): Promise<PreparedModel> {
  const fingerprinted = new FingerprintingSource(source);
  const prepared = await prepareFrom(fingerprinted, options);
  return { ...prepared, identity: await fingerprinted.identity() };
}

async function prepareFrom(source: ModelSource, options: LoadOptions): Promise<Omit<PreparedModel, 'identity'>> {
  const config = await fetchJson(source, 'config.json', options);
  if (!config) {
    throw new EngineError('not-found', `${source.label} has no config.json. Check the model id and revision: the repo may not exist, be private, or not be a Transformers model.`);
  }
  const shape = parseBertConfig(config);

  const tokenizerJson = await fetchJson(source, 'tokenizer.json', options);
  const tokenizerConfig = await fetchJson(source, 'tokenizer_config.json', options);
  const specialTokensMap = await fetchJson(source, 'special_tokens_map.json', options);
  const vocabBytes = tokenizerJson ? null : await source.fetchFile('vocab.txt', options);
  const declaredMax = Number(tokenizerConfig?.model_max_length);
  const maxLength = Number.isFinite(declaredMax) && declaredMax > 0 && declaredMax < shape.maxPositions ? declaredMax : shape.maxPositions;
  const tokenizer = new BertTokenizer(
    { tokenizerJson, vocabTxt: vocabBytes ? new TextDecoder().decode(vocabBytes) : null, tokenizerConfig, specialTokensMap },
    maxLength,
  );

  const format = options.format ?? 'auto';
  const base = { label: source.label, shape, tokenizer };
  const checkpoint = await loadCheckpoint(source, format, options);
  if (checkpoint) {
    const t0 = performance.now();
    const graph = buildCheckpointGraph(shape, checkpoint.tensors);
    return { ...base, ...graph, format: checkpoint.format, weightFiles: checkpoint.files, graphMs: performance.now() - t0 };
  }
  const candidates = options.onnxFile ? [options.onnxFile] : [...ONNX_FILES];
  for (const file of candidates) {
    const bytes = await source.fetchFile(file, options);
    if (!bytes) continue;
    const dir = file.includes('/') ? file.slice(0, file.lastIndexOf('/') + 1) : '';
    const externalFiles = new Map<string, Uint8Array>();
    for (const location of externalDataLocations(bytes, file)) {
      const data = await source.fetchFile(dir + location, options);
      if (!data) throw new EngineError('not-found', `${file} keeps its weights in ${location}, which is missing.`);
      externalFiles.set(location, data);
    }
    const t0 = performance.now();
    const patched = patchExportedGraph(bytes, shape, file, externalFiles);
    const graphMs = performance.now() - t0;
    // The head follows from the graph's outputs: logits of rank 2 classify, of rank 3 fill masks.
    const head: BertHead = !patched.modelOutputs.includes('logits') ? 'base' : shape.head === 'masked-lm' ? 'masked-lm' : 'sequence-classification';
    return { ...base, modelBytes: patched.modelBytes, head, format: 'onnx', weightFiles: [file, ...[...externalFiles.keys()].map((l) => dir + l)], graphMs };
  }
  throw new EngineError(
    'not-found',
    format === 'onnx'
      ? `${source.label} has no ONNX file (looked for ${candidates.join(', ')}).`
      : `${source.label} has no weights Head Atlas can read: looked for model.safetensors, model.safetensors.index.json, pytorch_model.bin and ${candidates.join(', ')}.`,
  );
}
