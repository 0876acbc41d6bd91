import { parseBertConfig, type BertHead, type BertShape } from './bertConfig';
import { buildCheckpointGraph, buildStageGraphs, type StageGraphs } from './checkpointGraph';
import { EngineError } from './errors';
import { FingerprintingSource } from './modelIdentity';
import { checkContainedPath, type FetchOptions, type ModelSource } from './modelSource';
import { externalDataLocations, patchExportedGraph, type EmbeddingTables } from './onnxPatch';
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
  /** What the user should know about how the model was read (e.g. a shorter position table than config.json says). */
  notices: string[];
}

/**
 * A file's bytes parsed by `parse`. A file that does not parse is dropped from the source's cache
 * (a bad download must not stay); one that parses is kept when the whole model has loaded.
 */
async function fetchParsed<T>(source: ModelSource, path: string, options: FetchOptions, parse: (bytes: Uint8Array) => T): Promise<T | null> {
  const bytes = await source.fetchFile(path, options);
  if (!bytes) return null;
  try {
    return parse(bytes);
  } catch (e) {
    await source.discard?.(path);
    throw e;
  }
}

async function fetchJson(source: ModelSource, path: string, options: FetchOptions): Promise<Record<string, unknown> | null> {
  return fetchParsed(source, path, options, (bytes) => {
    try {
      return JSON.parse(new TextDecoder().decode(bytes));
    } catch {
      throw new EngineError('corrupt', `${path} of ${source.label} is not valid JSON.`);
    }
  });
}

/** The source, recording what it fetched, so those files are kept (cached) only once the whole model has loaded. */
function keptOnSuccess(source: ModelSource): { source: ModelSource; keepAll(): Promise<void> } {
  const fetched = new Set<string>();
  return {
    source: {
      label: source.label,
      fetchFile: async (path, options) => {
        const bytes = await source.fetchFile(path, options);
        if (bytes) fetched.add(path);
        return bytes;
      },
      discard: async (path) => {
        fetched.delete(path);
        await source.discard?.(path);
      },
    },
    keepAll: async () => {
      for (const path of fetched) await source.keep?.(path);
    },
  };
}

async function loadSafetensors(source: ModelSource, options: FetchOptions): Promise<{ tensors: Map<string, StoredTensor>; files: string[] } | null> {
  const single = await fetchParsed(source, 'model.safetensors', options, (bytes) => parseSafetensors(bytes));
  if (single) return { tensors: single, files: ['model.safetensors'] };
  const index = await fetchJson(source, 'model.safetensors.index.json', options);
  if (!index) return null;
  const weightMap = index.weight_map as Record<string, unknown> | undefined;
  if (!weightMap || typeof weightMap !== 'object' || Array.isArray(weightMap)) throw new EngineError('corrupt', 'model.safetensors.index.json has no weight_map.');
  const files = [...new Set(Object.values(weightMap))].map((file) => checkContainedPath(file, 'model.safetensors.index.json'));
  const tensors = new Map<string, StoredTensor>();
  for (const file of files) {
    const shard = await fetchParsed(source, file, options, (bytes) => parseSafetensors(bytes, file));
    if (!shard) throw new EngineError('not-found', `The shard ${file} named by model.safetensors.index.json is missing.`);
    for (const [k, v] of shard) tensors.set(k, v);
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
    const tensors = await fetchParsed(source, 'pytorch_model.bin', options, (bytes) => parsePytorchCheckpoint(bytes));
    if (tensors) return { tensors, files: ['pytorch_model.bin'], format: 'pytorch' };
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
export async function prepareStageGraphs(from: ModelSource, format: ModelFormat, options: FetchOptions = {}): Promise<StageGraphs | null> {
  const { source, keepAll } = keptOnSuccess(from);
  const config = await fetchJson(source, 'config.json', options);
  if (!config) throw new EngineError('not-found', `${source.label} has no config.json any more.`);
  const checkpoint = await loadCheckpoint(source, format, options);
  if (!checkpoint) return null;
  const graphs = buildStageGraphs(parseBertConfig(config), checkpoint.tensors);
  await keepAll();
  return graphs;
}

/** The tokenizer's ids must be rows of the word embeddings: an id past them would fail every run that meets it. */
function checkTokenizerIds(tokenizer: BertTokenizer, shape: BertShape): void {
  const max = tokenizer.maxId;
  if (max >= shape.vocabSize) {
    throw new EngineError(
      'corrupt',
      `The tokenizer has the token "${tokenizer.tokenOf(max).slice(0, 40)}" with id ${max}, but the model's vocabulary (vocab_size in config.json) has ${shape.vocabSize} entries (ids 0 to ${shape.vocabSize - 1}): the tokenizer and the weights do not belong together.`,
    );
  }
}

/**
 * An ONNX file's embedding tables against config.json: what the graph holds decides, the config
 * only describes it. `logitsWidth`: a classifier's number of labels as the graph fixes it (null:
 * not a classifier, or not fixed; the test run checks it then).
 */
function checkOnnxTables(file: string, tables: EmbeddingTables, logitsWidth: number | null, shape: BertShape): { shape: BertShape; notices: string[] } {
  const differ = (what: string, rows: number, field: string, value: number) =>
    new EngineError('corrupt', `${file}'s ${what} has ${rows} rows, but config.json's ${field} is ${value}: the file and the config do not belong together.`);
  if (tables.word !== null && tables.word !== shape.vocabSize) throw differ('word embedding table', tables.word, 'vocab_size', shape.vocabSize);
  if (tables.tokenType !== null && tables.tokenType !== shape.typeVocabSize) throw differ('token type table', tables.tokenType, 'type_vocab_size', shape.typeVocabSize);
  if (logitsWidth !== null && logitsWidth !== shape.numLabels) {
    throw new EngineError('corrupt', `${file}'s logits have ${logitsWidth} values per example, but config.json names ${shape.numLabels} labels (num_labels / id2label): the file and the config do not belong together.`);
  }
  if (tables.position !== null && tables.position < shape.maxPositions) {
    // The graph cannot look up positions past its table: inputs are cut to what it holds.
    return {
      shape: { ...shape, maxPositions: tables.position },
      notices: [`${file}'s position table has ${tables.position} rows, fewer than config.json's max_position_embeddings (${shape.maxPositions}): inputs are cut to ${tables.position} tokens.`],
    };
  }
  return { shape, notices: [] };
}

/** Fetches a model's files and prepares its graph, without creating a session (that needs a backend). */
export async function prepareModel(source: ModelSource, options: LoadOptions = {}): Promise<PreparedModel> {
  const fingerprinted = new FingerprintingSource(source);
  const prepared = await prepareFrom(fingerprinted, options);
  return { ...prepared, identity: await fingerprinted.identity() };
}

async function prepareFrom(from: ModelSource, options: LoadOptions): Promise<Omit<PreparedModel, 'identity'>> {
  const { source, keepAll } = keptOnSuccess(from);
  const config = await fetchJson(source, 'config.json', options);
  if (!config) {
    throw new EngineError('not-found', `${source.label} has no config.json. Check the model id and revision: the repo may not exist, be private, or not be a Transformers model.`);
  }
  let shape = parseBertConfig(config);

  const tokenizerJson = await fetchJson(source, 'tokenizer.json', options);
  const tokenizerConfig = await fetchJson(source, 'tokenizer_config.json', options);
  const specialTokensMap = await fetchJson(source, 'special_tokens_map.json', options);
  const vocabBytes = tokenizerJson ? null : await source.fetchFile('vocab.txt', options);
  const declaredMax = Number(tokenizerConfig?.model_max_length);
  const tokenizerFor = (maxPositions: number) => {
    const maxLength = Number.isFinite(declaredMax) && declaredMax > 0 && declaredMax < maxPositions ? declaredMax : maxPositions;
    return new BertTokenizer({ tokenizerJson, vocabTxt: vocabBytes ? new TextDecoder().decode(vocabBytes) : null, tokenizerConfig, specialTokensMap }, maxLength);
  };
  let tokenizer = tokenizerFor(shape.maxPositions);
  checkTokenizerIds(tokenizer, shape);

  const format = options.format ?? 'auto';
  const checkpoint = await loadCheckpoint(source, format, options);
  if (checkpoint) {
    const t0 = performance.now();
    const graph = buildCheckpointGraph(shape, checkpoint.tensors);
    const graphMs = performance.now() - t0;
    await keepAll();
    return { label: source.label, shape, tokenizer, ...graph, format: checkpoint.format, weightFiles: checkpoint.files, graphMs, notices: [] };
  }
  const candidates = options.onnxFile ? [options.onnxFile] : [...ONNX_FILES];
  for (const file of candidates) {
    const bytes = await source.fetchFile(file, options);
    if (!bytes) continue;
    const dir = file.includes('/') ? file.slice(0, file.lastIndexOf('/') + 1) : '';
    const externalFiles = new Map<string, Uint8Array>();
    let patched: ReturnType<typeof patchExportedGraph>;
    let graphMs: number;
    try {
      const locations = externalDataLocations(bytes, file).map((location) => checkContainedPath(location, `${file} (external data)`));
      for (const location of locations) {
        const data = await source.fetchFile(dir + location, options);
        if (!data) throw new EngineError('not-found', `${file} keeps its weights in ${location}, which is missing.`);
        externalFiles.set(location, data);
      }
      const t0 = performance.now();
      patched = patchExportedGraph(bytes, shape, file, externalFiles);
      graphMs = performance.now() - t0;
    } catch (e) {
      // A file that did not read is not kept: the next load downloads it again.
      if ((e as EngineError).code === 'corrupt') for (const path of [file, ...[...externalFiles.keys()].map((l) => dir + l)]) await source.discard?.(path);
      throw e;
    }
    // The head follows from the graph's outputs: logits of rank 2 classify, of rank 3 fill masks.
    const head: BertHead = !patched.modelOutputs.includes('logits') ? 'base' : shape.head === 'masked-lm' ? 'masked-lm' : 'sequence-classification';
    const checked = checkOnnxTables(file, patched.tables, head === 'sequence-classification' ? patched.logitsWidth : null, shape);
    if (checked.shape !== shape) {
      shape = checked.shape;
      tokenizer = tokenizerFor(shape.maxPositions);
    }
    await keepAll();
    return {
      label: source.label,
      shape,
      tokenizer,
      modelBytes: patched.modelBytes,
      head,
      format: 'onnx',
      weightFiles: [file, ...[...externalFiles.keys()].map((l) => dir + l)],
      graphMs,
      notices: checked.notices,
    };
  }
  throw new EngineError(
    'not-found',
    format === 'onnx'
      ? `${source.label} has no ONNX file (looked for ${candidates.join(', ')}).`
      : `${source.label} has no weights Head Atlas can read: looked for model.safetensors, model.safetensors.index.json, pytorch_model.bin and ${candidates.join(', ')}.`,
  );
}
