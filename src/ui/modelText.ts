import type { ModelInfo, ModelSpec } from '../engine/client';
import type { ModelFormat } from '../engine/loadModel';
import { checkBundledName, DEFAULT_HUB_HOST, parseHubId } from '../engine/modelSource';

/** The model field's text (`bundled:NAME` or a Hub id) as a spec the engine loads; a bad name throws a message. */
export function specOfModelText(text: string, hubHost: string): ModelSpec {
  if (text.startsWith('bundled:')) return { kind: 'bundled', name: checkBundledName(text.slice('bundled:'.length)) };
  const { repo, revision } = parseHubId(text);
  return { kind: 'hub', repo, revision, host: hubHost };
}

/** The Weights menu's choices: a format, or one particular ONNX file. */
export const WEIGHT_CHOICES = {
  auto: { label: 'auto', format: 'auto' },
  safetensors: { label: 'safetensors', format: 'safetensors' },
  pytorch: { label: 'pytorch_model.bin', format: 'pytorch' },
  onnx: { label: 'ONNX', format: 'onnx' },
  'onnx-quantized': { label: 'ONNX int8 (model_quantized)', format: 'onnx', onnxFile: 'onnx/model_quantized.onnx' },
  'onnx-fp16': { label: 'ONNX float16 (model_fp16)', format: 'onnx', onnxFile: 'onnx/model_fp16.onnx' },
} as const satisfies Record<string, { label: string; format: ModelFormat | 'auto'; onnxFile?: string }>;

export type WeightChoice = keyof typeof WEIGHT_CHOICES;

/** How exports, sweep files and labels name the model that is loaded (never the Model field's text, which a folder load leaves as it was). */
export interface LoadedModelName {
  /** A Hub id (owner/name), `bundled:NAME`, or the name of the folder the user opened. */
  model: string;
  /** The Hub revision as asked for; null for bundled models and local files. */
  revision: string | null;
  /** The Hub host, when it is not the Hugging Face Hub. */
  host: string | null;
  /** The content identity of the files that were loaded. */
  identity: string;
}

export function loadedModelName(info: Pick<ModelInfo, 'ref' | 'identity'>): LoadedModelName {
  const { ref, identity } = info;
  if (ref.kind === 'hub') return { model: ref.repo, revision: ref.revision, host: ref.host && ref.host !== DEFAULT_HUB_HOST ? ref.host : null, identity };
  if (ref.kind === 'bundled') return { model: `bundled:${ref.name}`, revision: null, host: null, identity };
  return { model: ref.label, revision: null, host: null, identity };
}
