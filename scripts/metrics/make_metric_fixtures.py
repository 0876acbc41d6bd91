#!/usr/bin/env python3
"""Reference values for the GLUE metrics in src/analysis/metrics.ts.

Values are computed by scikit-learn 1.2.1 (accuracy_score, f1_score, matthews_corrcoef)
and SciPy 1.10.1 (pearsonr, spearmanr, rankdata), as Debian bookworm packages them
(python3-sklearn, python3-scipy), on NumPy 1.24.2. The script records the versions it ran
with in the output. The TypeScript tests compare to these to 1e-12.

Run from the repository root:

    /usr/bin/python3 scripts/metrics/make_metric_fixtures.py

It writes fixtures/metrics/reference.json. The inputs come from numpy's
default_rng(SEED); with the same library versions a rerun gives a byte-identical file.

Where SciPy returns NaN (a constant vector), the file holds null, and the TypeScript
metrics return 0 by their documented convention.
"""
import json
import math
import os
import warnings

import numpy as np
import scipy
import sklearn
from scipy.stats import pearsonr, rankdata, spearmanr
from sklearn.metrics import accuracy_score, f1_score, matthews_corrcoef

SEED = 20241126
OUT = os.path.join(os.path.dirname(__file__), '..', '..', 'fixtures', 'metrics', 'reference.json')


def num(x):
    x = float(x)
    return None if math.isnan(x) else x


def classification_cases(rng):
    cases = []

    def add(name, preds, labels):
        preds = [int(v) for v in preds]
        labels = [int(v) for v in labels]
        binary = set(preds) | set(labels) <= {0, 1}
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')  # sklearn warns where F1 is ill-defined; the value is what we test
            case = {
                'name': name,
                'predictions': preds,
                'labels': labels,
                'accuracy': num(accuracy_score(labels, preds)),
                'matthews': num(matthews_corrcoef(labels, preds)),
            }
            if binary:
                case['f1'] = num(f1_score(labels, preds))  # average='binary', pos_label=1
        cases.append(case)

    for n in (7, 50, 408):
        add(f'random binary n={n}', rng.integers(0, 2, n), rng.integers(0, 2, n))
    # A model that is right 85% of the time, on MRPC-like 68% positive labels.
    labels = (rng.random(408) < 0.68).astype(int)
    preds = np.where(rng.random(408) < 0.85, labels, 1 - labels)
    add('mrpc-like, 85% correct', preds, labels)
    # Imbalanced: 5% positives, predictions mostly 0.
    labels = (rng.random(300) < 0.05).astype(int)
    preds = (rng.random(300) < 0.03).astype(int)
    add('imbalanced 5% positive', preds, labels)
    # CoLA-like: 69% acceptable, a model that says "acceptable" 90% of the time.
    labels = (rng.random(1043) < 0.69).astype(int)
    preds = (rng.random(1043) < 0.9).astype(int)
    add('cola-like, mostly predicts 1', preds, labels)
    add('perfect', [0, 1, 1, 0, 1], [0, 1, 1, 0, 1])
    add('all wrong', [1, 0, 0, 1], [0, 1, 1, 0])
    add('predictions all 0 (F1 and MCC undefined)', [0, 0, 0, 0, 0], [0, 1, 0, 1, 1])
    add('predictions all 1', [1, 1, 1, 1, 1, 1], [0, 1, 0, 1, 1, 0])
    add('labels all 0, predictions mixed', [0, 1, 0, 1], [0, 0, 0, 0])
    add('everything 0', [0, 0, 0], [0, 0, 0])
    add('single example', [1], [1])
    for n in (30, 1000):
        add(f'random 3-class n={n}', rng.integers(0, 3, n), rng.integers(0, 3, n))
    labels = rng.integers(0, 3, 500)
    preds = np.where(rng.random(500) < 0.7, labels, rng.integers(0, 3, 500))
    add('mnli-like 3-class, 70% kept', preds, labels)
    add('3-class, predictions only 2 classes', rng.integers(0, 2, 40), rng.integers(0, 3, 40))
    return cases


def regression_cases(rng):
    cases = []

    def add(name, preds, labels):
        preds = [float(v) for v in preds]
        labels = [float(v) for v in labels]
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')  # constant input: SciPy warns and returns NaN
            p = pearsonr(labels, preds)[0] if len(preds) >= 2 else float('nan')
            s = spearmanr(labels, preds)[0] if len(preds) >= 2 else float('nan')
        cases.append({
            'name': name,
            'predictions': preds,
            'labels': labels,
            'pearson': num(p),
            'spearman': num(s),
            'ranks_predictions': [float(r) for r in rankdata(preds, method='average')],
            'ranks_labels': [float(r) for r in rankdata(labels, method='average')],
        })

    for n in (5, 40):
        add(f'random normal n={n}', rng.normal(size=n), rng.normal(size=n))
    # STS-B-like: gold scores on a 0.2 grid (many ties), predictions noisy and clipped.
    labels = np.round(rng.uniform(0, 5, 1500) * 5) / 5
    preds = np.clip(labels + rng.normal(0, 0.9, 1500), 0, 5)
    add('stsb-like n=1500', preds, labels)
    # Heavy ties on both sides.
    add('integer ties both sides', rng.integers(0, 4, 60), rng.integers(0, 3, 60))
    labels = rng.uniform(0, 5, 80)
    add('anticorrelated', 5 - labels + rng.normal(0, 0.3, 80), labels)
    add('exact linear', [2 * v + 1 for v in range(10)], list(range(10)))
    add('monotone, not linear', [v ** 3 for v in range(12)], list(range(12)))
    add('two points', [0.5, 3.0], [1.0, 4.2])
    add('constant predictions (undefined)', [2.5] * 6, [0.0, 1.2, 3.4, 5.0, 2.2, 1.0])
    add('constant labels (undefined)', [0.1, 0.7, 0.3, 0.9], [3.0] * 4)
    add('large offset', 1e6 + rng.normal(size=30), rng.normal(size=30))
    return cases


def main():
    rng = np.random.default_rng(SEED)
    data = {
        'generator': 'scripts/metrics/make_metric_fixtures.py',
        'seed': SEED,
        'libraries': {'scikit-learn': sklearn.__version__, 'scipy': scipy.__version__, 'numpy': np.__version__},
        'conventions': 'null where SciPy returns NaN (a constant vector); metrics.ts returns 0 there.',
        'classification': classification_cases(rng),
        'regression': regression_cases(rng),
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, 'w', encoding='utf-8') as f:
        json.dump(data, f, indent=1)
        f.write('\n')


if __name__ == '__main__':
    main()
