import type { ModelSpec } from '../engine/client';
import type { ModelFormat } from '../engine/loadModel';
import { checkBundledName, parseHubId } from '../engine/modelSource';

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
