import { useEffect, useMemo, useRef, useState } from 'react';
import { headMap, type HeadRef } from '../analysis/attentionView';
import { CLASSIFIER_KINDS, CLASSIFIER_NAMES, type ClassifierKind } from '../analysis/patternClassifier';
import { crossValidatedAccuracy, fitPatternModel, labelKey, labelsAsExamples, mergeLabels, parseLabelsFile, parsePatternModel, serialiseLabelsFile, serialisePatternModel, staleLabels, type PatternLabel } from '../analysis/patternModel';
import { classifyByRules, evidenceInWords, headFeatures, PATTERN_TYPES, type PatternType } from '../analysis/patterns';
import type { Encoding } from '../engine/tokenizer';
import { downloadFile } from './exporters';
import { changeLabels, loadLabels } from './labelStore';
import { TextFileButton } from './TextFileButton';
import type { Report } from './panelProps';
import { activeClassifier } from './userPatternModel';

interface Props {
  modelText: string;
  attentions: Float32Array[];
  seqLen: number;
  encoding: Encoding;
  selected: HeadRef;
  textA: string;
  textB: string;
  /** Which classifier names the type (the link's `classifier`). */
  classifier: ClassifierKind;
  onClassifier(kind: ClassifierKind): void;
  /** The user's fitted classifier (JSON), or null. */
  patternModelJson: string | null;
  onPatternModel(json: string | null): void;
  report: Report;
}

const FEATURES_SHOWN: [keyof ReturnType<typeof headFeatures>, string][] = [
  ['bandMass', 'within 3 tokens of the diagonal'],
  ['offsetExplained', 'explained by lines parallel to the diagonal'],
  ['topColumnMass', 'on the most attended token'],
  ['topColumnCoverage', 'rows giving that token twice its uniform share'],
  ['columnExplained', 'explained by columns (stripes)'],
  ['segmentExplained', 'explained by the sentence blocks'],
  ['entropy', 'row entropy (÷ ln n; 0 focused, 100% even)'],
];

/** The selected head's pattern type on this example, the features behind it, and the user's own labels. */
export function HeadPatternCard(p: Props) {
  const length = p.encoding.tokens.length;
  const features = useMemo(() => headFeatures(headMap(p.attentions, p.seqLen, p.selected), p.seqLen, length, p.encoding.tokens, p.encoding.tokenTypeIds), [p.attentions, p.seqLen, p.selected.layer, p.selected.head, length]);
  const rules = classifyByRules(features);
  const active = useMemo(() => activeClassifier(p.classifier, p.patternModelJson), [p.classifier, p.patternModelJson]);
  const shown: PatternType = active.classify(features);
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
        Pattern here: <span className={`type-pill type-${shown.replace('+', '-')}`} data-testid="pattern-type">{shown}</span>{' '}
        <span className="muted">by the {CLASSIFIER_NAMES[active.kind]} · evidence, features and your label</span>
      </summary>
      <div className="pattern-body" role="group" aria-label="Pattern type of this head">
      <p>
        <span data-testid="pattern-evidence">{evidenceInWords(shown, features, p.encoding.tokens)}</span>.
      </p>
      {active.problem && <p className="hint">{active.problem}</p>}
      <p className="hint" data-testid="pattern-rules">
        The rules say {rules.type}: {rules.reason}.
      </p>
      <label>
        Classifier
        <select name="pattern-classifier" value={active.kind} onChange={(e) => p.onClassifier(e.target.value as ClassifierKind)}>
          {CLASSIFIER_KINDS.map((k) => (
            <option key={k} value={k} disabled={k === 'user' && !p.patternModelJson}>
              {CLASSIFIER_NAMES[k]}
            </option>
          ))}
        </select>
      </label>
      <table className="features">
        <tbody>
          {FEATURES_SHOWN.map(([k, name]) => (
            <tr key={k}>
              <th>{name}</th>
              <td>{Math.round(Number(features[k]) * 100)}%</td>
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
              const stale = staleLabels(labels);
              const result = crossValidatedAccuracy(examples, 5, 0);
              const model = fitPatternModel(examples);
              p.onPatternModel(serialisePatternModel(model));
              p.onClassifier('user');
              const skipped = stale ? ` ${stale} label${stale === 1 ? ' was' : 's were'} made by an older version without the current measures and left out: label those heads again.` : '';
              setCv(`Fitted on ${examples.length} labels; ${result.k}-fold cross-validated accuracy ${(result.accuracy * 100).toFixed(1)}%.${skipped}`);
            } catch (err) {
              p.report((err as Error).message);
            }
          }}
        >
          Fit classifier on my labels
        </button>
        <button
          type="button"
          name="classifier-export"
          disabled={!p.patternModelJson}
          onClick={() => p.patternModelJson && downloadFile('head-atlas-pattern-classifier.json', p.patternModelJson, 'application/json')}
        >
          Export my classifier
        </button>
        <TextFileButton
          label="Load a classifier…"
          name="classifier-import"
          accept=".json,application/json"
          onError={p.report}
          onText={(text, fileName) => {
            const model = parsePatternModel(text);
            p.onPatternModel(serialisePatternModel(model));
            p.onClassifier('user');
            p.report(`Loaded the classifier in ${fileName} (fitted on ${model.examples} labels).`, 'notice');
          }}
        />
        {cv && <span data-testid="cv-accuracy">{cv}</span>}
      </div>
      </div>
    </details>
  );
}
