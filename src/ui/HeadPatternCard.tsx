import { useEffect, useMemo, useRef, useState } from 'react';
import { headMap, type HeadRef } from '../analysis/attentionView';
import { crossValidatedAccuracy, fitPatternModel, labelKey, labelsAsExamples, mergeLabels, parseLabelsFile, parsePatternModel, predict, serialiseLabelsFile, serialisePatternModel, type PatternLabel } from '../analysis/patternModel';
import { classifyByRules, headFeatures, PATTERN_TYPES, type PatternType } from '../analysis/patterns';
import type { Encoding } from '../engine/tokenizer';
import { downloadFile } from './exporters';
import { changeLabels, loadLabels } from './labelStore';
import { TextFileButton } from './TextFileButton';
import type { Report } from './panelProps';

interface Props {
  modelText: string;
  attentions: Float32Array[];
  seqLen: number;
  encoding: Encoding;
  selected: HeadRef;
  textA: string;
  textB: string;
  /** The fitted classifier in use (JSON), or null for the rules. */
  patternModelJson: string | null;
  onPatternModel(json: string | null): void;
  report: Report;
}

const FEATURES_SHOWN: [keyof ReturnType<typeof headFeatures>, string][] = [
  ['specialMass', 'on [CLS]/[SEP]'],
  ['columnConcentration', 'column concentration'],
  ['diagonalMass', 'on the ±1 and main diagonals'],
  ['diagonalConcentration', 'diagonal concentration'],
  ['ownSegmentMass', 'inside own sentence'],
  ['blockConcentration', 'block concentration'],
  ['entropy', 'entropy (mean row entropy ÷ ln n; 0 focused, 1 even)'],
];

/** The selected head's pattern type on this example, the features behind it, and the user's own labels. */
export function HeadPatternCard(p: Props) {
  const length = p.encoding.tokens.length;
  const features = useMemo(() => headFeatures(headMap(p.attentions, p.seqLen, p.selected), p.seqLen, length, p.encoding.tokens, p.encoding.tokenTypeIds), [p.attentions, p.seqLen, p.selected.layer, p.selected.head, length]);
  const rules = classifyByRules(features);
  const fitted = useMemo(() => (p.patternModelJson ? parsePatternModel(p.patternModelJson) : null), [p.patternModelJson]);
  const shown: PatternType = fitted ? predict(fitted, features).type : rules.type;
  // null until the stored labels are read: a change made before then would be made to an empty list.
  const [labels, setLabels] = useState<PatternLabel[] | null>(null);
  const [saving, setSaving] = useState(0);
  const unsavedReported = useRef(false);
  const [cv, setCv] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    void loadLabels().then((stored) => live && setLabels(stored));
    return () => {
      live = false;
    };
  }, []);
  const here = { model: p.modelText, layer: p.selected.layer + 1, head: p.selected.head + 1, text: { a: p.textA, b: p.textB || null } };
  const mine = labels?.find((l) => labelKey(l) === labelKey(here));
  // Shown at once, then replaced by the list as stored (which may hold another tab's labels too).
  // Where it cannot be stored, the page's list stays: said once, as Export still keeps it.
  const store = (change: (stored: PatternLabel[]) => PatternLabel[]) => {
    setLabels((shown) => change(shown ?? []));
    setSaving((n) => n + 1);
    void changeLabels(change)
      .then(setLabels, (e: Error) => {
        if (unsavedReported.current) return;
        unsavedReported.current = true;
        p.report(`Your labels could not be saved in this browser (${e.message}). They stay on this page until it closes; Export labels keeps them.`);
      })
      .finally(() => setSaving((n) => n - 1));
  };
  const count = labels?.length ?? 0;

  return (
    <details className="pattern-card" data-testid="pattern-card">
      <summary>
        Pattern here: <span className={`type-pill type-${shown.replace('+', '-')}`} data-testid="pattern-type">{shown}</span> <span className="muted">by the {fitted ? 'fitted classifier' : 'rules'} · features and your label</span>
      </summary>
      <div className="pattern-body" role="group" aria-label="Pattern type of this head">
      <p className="hint">Rules: {rules.reason}.</p>
      <table className="features">
        <tbody>
          {FEATURES_SHOWN.map(([k, name]) => (
            <tr key={k}>
              <th>{name}</th>
              <td>{Number(features[k]).toFixed(3)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="labels" role="group" aria-label="Your labels">
        <label>
          Your label for this head here
          <select
            name="pattern-label"
            value={mine?.type ?? ''}
            disabled={!labels}
            onChange={(e) => {
              const type = e.target.value as PatternType | '';
              store((stored) => {
                const rest = stored.filter((l) => labelKey(l) !== labelKey(here));
                return type ? [...rest, { ...here, type, features }] : rest;
              });
            }}
          >
            <option value="">none</option>
            {PATTERN_TYPES.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </label>
        <span data-testid="label-count" aria-busy={saving > 0}>
          {labels ? `${count} label${count === 1 ? '' : 's'}` : 'reading labels…'}
        </span>
        <button type="button" name="labels-export" disabled={!count} onClick={() => labels && downloadFile('head-atlas-pattern-labels.json', serialiseLabelsFile(labels), 'application/json')}>
          Export labels
        </button>
        <TextFileButton
          label="Import labels…"
          name="labels-import"
          accept=".json,application/json"
          onError={p.report}
          disabled={!labels}
          onText={(text, fileName) => {
            const imported = parseLabelsFile(text).labels;
            store((stored) => mergeLabels(stored, imported));
            p.report(`Imported ${imported.length} labels from ${fileName}.`, 'notice');
          }}
        />
        <button
          type="button"
          name="fit-classifier"
          disabled={count < 2}
          onClick={() => {
            if (!labels) return;
            try {
              const examples = labelsAsExamples(labels);
              const result = crossValidatedAccuracy(examples, 5, 0);
              const model = fitPatternModel(examples);
              p.onPatternModel(serialisePatternModel(model));
              setCv(`Fitted on ${labels.length} labels; ${result.k}-fold cross-validated accuracy ${(result.accuracy * 100).toFixed(1)}%.`);
            } catch (err) {
              p.report((err as Error).message);
            }
          }}
        >
          Fit classifier on my labels
        </button>
        {p.patternModelJson && (
          <button type="button" name="use-rules" onClick={() => p.onPatternModel(null)}>
            Back to the rules
          </button>
        )}
        {cv && <span data-testid="cv-accuracy">{cv}</span>}
      </div>
      </div>
    </details>
  );
}
