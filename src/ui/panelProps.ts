import type { EngineClient, ModelInfo } from '../engine/client';
import type { UrlState } from './urlState';

/** Shows a message to the user: an error (default) or a notice. */
export type Report = (text: string, kind?: 'error' | 'notice') => void;

/** What every panel under the sentences works with: the engine, the loaded model and the view's state. */
export interface PanelProps {
  client: EngineClient;
  model: ModelInfo;
  state: UrlState;
  setState(update: (s: UrlState) => UrlState): void;
  report: Report;
}
