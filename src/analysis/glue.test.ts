import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GLUE_TASKS, parseGlueTsv } from './glue';
import { accuracy, argmaxRows } from './metrics';

describe('GLUE TSV', () => {
  it('reads the real SST-2 dev set: 872 rows, 444 positive', () => {
    const rows = parseGlueTsv(readFileSync(new URL('../../public/data/sst2/dev.tsv', import.meta.url), 'utf8'), GLUE_TASKS.sst2);
    expect(rows).toHaveLength(872);
    expect(rows.filter((r) => r.label === 1)).toHaveLength(444);
    expect(rows[0]).toEqual({ textA: "it 's a charming and often affecting journey .", textB: null, label: 1 });
  });

  it('splits on tabs only: quotes are text', () => {
    const rows = parseGlueTsv('sentence\tlabel\n"an "odd\t1\n', GLUE_TASKS.sst2);
    expect(rows[0].textA).toBe('"an "odd');
  });

  it('says what is wrong with a bad file', () => {
    expect(() => parseGlueTsv('text\tlabel\na\t1', GLUE_TASKS.sst2)).toThrow(/no "sentence" column/);
    expect(() => parseGlueTsv('sentence\tlabel\na\t7', GLUE_TASKS.sst2)).toThrow(/Line 2 .* label "7"/);
  });
});

describe('metrics', () => {
  it('argmax per row and accuracy', () => {
    expect(argmaxRows([0.1, 0.9, 2, -1, 0, 0], 2)).toEqual([1, 0, 0]);
    expect(accuracy([1, 0, 0, 1], [1, 1, 0, 1])).toBe(0.75);
    expect(() => accuracy([], [])).toThrow();
  });
});
