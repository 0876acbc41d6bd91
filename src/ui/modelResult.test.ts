import { describe, expect, it } from 'vitest';
import { MAX_LISTED_FILLS, predictionRows, resultFor, resultOf } from './modelResult';

const classifier = { identity: 'sha256:aa', head: 'sequence-classification', shape: { numLabels: 2, labels: ['negative', 'positive'] } };
const masked = { identity: 'sha256:bb', head: 'masked-lm', shape: { numLabels: 2, labels: null } };

describe('results belong to the model that made them', () => {
  it('a result is shown only for the model whose identity it carries', () => {
    const r = resultOf(masked, { logits: 'mlm' });
    expect(resultFor(masked, r)).toEqual({ logits: 'mlm' });
    expect(resultFor(classifier, r)).toBeNull();
    expect(resultFor({ identity: 'sha256:bb' }, r)).toEqual({ logits: 'mlm' }); // the same files loaded again
    expect(resultFor(null, r)).toBeNull();
    expect(resultFor(classifier, null)).toBeNull();
  });

  it('a prediction has one row per declared label, and logits of another size are refused', () => {
    expect(predictionRows(classifier, new Float32Array([0.5, -1]), [1, 2])).toEqual({ rows: [{ label: 'negative', logit: 0.5 }, { label: 'positive', logit: -1 }] });
    // A masked-LM's output ([1, 14, 30522]) is never laid out as 427,308 rows.
    const mlm = predictionRows(classifier, new Float32Array(14 * 30522), [1, 14, 30522]);
    expect(mlm).toEqual({ problem: expect.stringContaining('declares 2 labels') });
    expect(predictionRows(classifier, new Float32Array(3), [1, 3])).toHaveProperty('problem');
    expect(predictionRows(masked, new Float32Array(2), [1, 2])).toHaveProperty('problem');
    expect(predictionRows({ ...classifier, shape: { numLabels: 3, labels: null } }, new Float32Array(3), [1, 3])).toEqual({ rows: ['LABEL_0', 'LABEL_1', 'LABEL_2'].map((label) => ({ label, logit: 0 })) });
    expect(MAX_LISTED_FILLS).toBeGreaterThan(0);
  });
});
