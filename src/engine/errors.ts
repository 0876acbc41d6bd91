/** Why a model or input was refused; the UI shows `message` as is, so it must say what to do. */
export type EngineErrorCode =
  | 'not-found'
  | 'network'
  | 'not-bert'
  | 'fused-attention'
  | 'unsupported-graph'
  | 'corrupt'
  | 'missing-tensors'
  | 'bad-input'
  | 'backend'
  | 'cancelled';

export class EngineError extends Error {
  readonly code: EngineErrorCode;
  constructor(code: EngineErrorCode, message: string) {
    super(message);
    this.name = 'EngineError';
    this.code = code;
  }
}

export function isEngineError(e: unknown): e is EngineError {
  return e instanceof Error && (e as EngineError).name === 'EngineError' && typeof (e as EngineError).code === 'string';
}
