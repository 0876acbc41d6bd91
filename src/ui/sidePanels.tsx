import type { ReactNode } from 'react';
import type { AnalysisResult } from '../analysis/analyseBatch';
import type { PatternType } from '../analysis/patterns';
import type { Masks } from '../engine/bertRunner';
import type { ModelInfo } from '../engine/client';
import { AnalysisPanel } from './AnalysisPanel';
import { MaskingPanel } from './MaskingPanel';
import { PanelBoundary } from './PanelBoundary';
import type { PanelProps } from './panelProps';
import type { Panel } from './urlState';

/** What every side panel may use: the engine, the model, the view's state, and what the grid shares with the panels. */
export interface SidePanelContext extends PanelProps {
  masks: Masks | null;
  highlight: PatternType | null;
  onHighlight(type: PatternType | null): void;
  onAnalysis(result: AnalysisResult | null): void;
  patternModelJson: string | null;
  onLoadModel(modelText: string): void;
}

export interface SidePanelSpec {
  id: Panel;
  /** The tab's label (short: five tabs share 300 px). */
  label: string;
  /** What the panel shows, for the tab's tooltip. */
  title: string;
  /** Null if the panel applies to the model, else why not (shown instead of the panel). */
  applies(model: ModelInfo): string | null;
  render(ctx: SidePanelContext): ReactNode;
}

const classifierOnly = (model: ModelInfo) =>
  model.head === 'sequence-classification' ? null : `${model.label} has no classification head, so it cannot be scored on a task. Load a fine-tuned model (e.g. bundled:micro-bert-sst2 or textattack/bert-base-uncased-SST-2).`;

const analysis = (ctx: SidePanelContext) => (
  <AnalysisPanel client={ctx.client} model={ctx.model} state={ctx.state} setState={ctx.setState} report={ctx.report} onLoadModel={ctx.onLoadModel} highlight={ctx.highlight} onHighlight={ctx.onHighlight} onResult={ctx.onAnalysis} patternModelJson={ctx.patternModelJson} />
);

/** The side panels, in tab order (keys 1–5). A new panel is one entry here. */
export const SIDE_PANELS: SidePanelSpec[] = [
  { id: 'patterns', label: 'Types', title: 'Pattern types of the heads over a task sample (the paper’s §4.1)', applies: () => null, render: analysis },
  { id: 'special', label: 'Special', title: 'Attention to [CLS], [SEP], punctuation and negation (§4.3)', applies: () => null, render: analysis },
  { id: 'drift', label: 'Drift', title: 'How much fine-tuning changed each head (§4.4)', applies: () => null, render: analysis },
  { id: 'masking', label: 'Mask', title: 'Task scores with the heads you switched off (§5)', applies: classifierOnly, render: (ctx) => <MaskingPanel client={ctx.client} model={ctx.model} state={ctx.state} setState={ctx.setState} report={ctx.report} masks={ctx.masks} view="mask" /> },
  { id: 'sweep', label: 'Sweep', title: 'Each head or layer switched off alone: the score change of each (Figs. 8–9)', applies: classifierOnly, render: (ctx) => <MaskingPanel client={ctx.client} model={ctx.model} state={ctx.state} setState={ctx.setState} report={ctx.report} masks={ctx.masks} view="sweep" /> },
];

/** What an error message calls each panel. */
const PANEL_NAMES: Record<Panel, string> = { patterns: 'The pattern-types panel', special: 'The special-tokens panel', drift: 'The drift panel', masking: 'The masking panel', sweep: 'The sweep panel' };

/** The side pane: a tab bar of the panels, and the open one (or, collapsed, a strip that opens it again). */
export function SidePanel({ ctx, collapsed, onCollapse }: { ctx: SidePanelContext | null; collapsed: boolean; onCollapse(collapsed: boolean): void }) {
  const open = SIDE_PANELS.find((p) => p.id === ctx?.state.panel) ?? SIDE_PANELS[0];
  const notApplying = ctx ? open.applies(ctx.model) : null;
  // Collapsed, the panel stays mounted (hidden), so a job it runs goes on.
  return (
    <section className={`pane pane-panel${collapsed ? ' collapsed' : ''}`} aria-label="Side panel">
      {collapsed && (
        <button type="button" name="panel-expand" aria-expanded={false} onClick={() => onCollapse(false)} title="Show the side panel">
          ‹ {open.label}
        </button>
      )}
      <header className="pane-head" hidden={collapsed}>
        <div className="segmented" role="tablist" aria-label="Side panels">
          {SIDE_PANELS.map((p, i) => (
            <button
              key={p.id}
              type="button"
              role="tab"
              name={`panel-${p.id}`}
              id={`tab-${p.id}`}
              aria-selected={open.id === p.id}
              aria-controls="side-panel-body"
              title={`${p.title} (key ${i + 1})`}
              disabled={!ctx}
              onClick={() => ctx?.setState((s) => ({ ...s, panel: p.id }))}
            >
              {p.label}
            </button>
          ))}
        </div>
        <button type="button" className="icon" name="panel-collapse" aria-expanded={true} aria-label="Hide the side panel" title="Hide the side panel" onClick={() => onCollapse(true)}>
          ›
        </button>
      </header>
      <div className="pane-body" id="side-panel-body" role="tabpanel" aria-labelledby={`tab-${open.id}`} tabIndex={0} hidden={collapsed}>
        {!ctx ? (
          <div className="placeholder-lines" data-testid="panel-placeholder" aria-busy="true">
            <span />
            <span />
            <span />
            <p className="hint">The panels open once the model has loaded.</p>
          </div>
        ) : notApplying ? (
          <p className="notice" role="status">
            {notApplying}
          </p>
        ) : (
          // Keyed by the model's identity: a switch drops the old model's panel state and jobs.
          <PanelBoundary key={ctx.model.identity} name={PANEL_NAMES[open.id]} resetKey={`${open.id}|${ctx.model.id}|${ctx.state.task}`}>
            {open.render(ctx)}
          </PanelBoundary>
        )}
      </div>
    </section>
  );
}
