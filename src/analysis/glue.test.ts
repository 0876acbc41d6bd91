import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GLUE_TASK_KEYS, GLUE_TASKS, type GlueTaskKey, isGlueTaskKey, parseGlueTsv, taskExamples } from './glue';
import { METRIC_FUNCTIONS } from './metrics';

const publicFile = (path: string) => readFileSync(new URL(`../../public/${path}`, import.meta.url), 'utf8');
const shipped = (key: GlueTaskKey) => parseGlueTsv(publicFile(GLUE_TASKS[key].dataPath!), GLUE_TASKS[key]);

// Row counts and label counts as published by GLUE and listed in shared/data/README.md.
const expected: Partial<Record<GlueTaskKey, { rows: number; perClass?: number[] }>> = {
  sst2: { rows: 872, perClass: [428, 444] },
  mrpc: { rows: 408, perClass: [129, 279] },
  stsb: { rows: 1500 },
  rte: { rows: 277, perClass: [146, 131] },
  qnli: { rows: 5463, perClass: [2702, 2761] },
  mnli: { rows: 1000, perClass: [373, 311, 316] },
  cola: { rows: 1043, perClass: [322, 721] },
  wnli: { rows: 71, perClass: [40, 31] },
};

describe('GLUE task definitions', () => {
  it('define every GLUE task, with a headline among its metrics and a metric function for each', () => {
    expect([...GLUE_TASK_KEYS].sort()).toEqual(Object.keys(GLUE_TASKS).sort());
    for (const key of GLUE_TASK_KEYS) {
      const task = GLUE_TASKS[key];
      expect(task.key).toBe(key);
      expect(task.metrics).toContain(task.headline);
      for (const m of task.metrics) expect(METRIC_FUNCTIONS[m]).toBeTypeOf('function');
      expect(task.labels).toHaveLength(task.classNames.length);
      expect(task.regression).toBe(task.labels.length === 0);
    }
    expect(GLUE_TASKS.mrpc.metrics).toEqual(['f1', 'accuracy']);
    expect(GLUE_TASKS.qqp.metrics).toEqual(['f1', 'accuracy']);
    expect(GLUE_TASKS.stsb.metrics).toEqual(['pearson', 'spearman']);
    expect(GLUE_TASKS.cola.metrics).toEqual(['matthews']);
    expect(GLUE_TASKS.mnli.classNames).toEqual(['entailment', 'neutral', 'contradiction']);
    expect(GLUE_TASKS.qqp.dataPath).toBeUndefined();
    expect(isGlueTaskKey('qqp')).toBe(true);
    expect(isGlueTaskKey('toString')).toBe(false);
  });

  it('ship a file for every task but QQP, of the stated size', () => {
    for (const key of GLUE_TASK_KEYS) {
      const task = GLUE_TASKS[key];
      if (key === 'qqp') continue;
      expect(task.shippedSize, key).toBe(expected[key]!.rows);
      expect(task.dataPath, key).toMatch(new RegExp(`^data/${key}/[\\w.]+\\.tsv$`));
    }
    expect(GLUE_TASKS.mnli.devSize).toBe(9815);
    expect(GLUE_TASKS.mnli.dataNote).toMatch(/1,000-example sample/);
  });
});

describe('the shipped dev files', () => {
  for (const [key, want] of Object.entries(expected) as [GlueTaskKey, { rows: number; perClass?: number[] }][]) {
    it(`${GLUE_TASKS[key].name}: ${want.rows} rows${want.perClass ? `, per class ${want.perClass.join('/')}` : ''}`, () => {
      const rows = shipped(key);
      expect(rows).toHaveLength(want.rows);
      expect(rows.map((r) => r.index)).toEqual(rows.map((_, i) => i));
      if (want.perClass) expect(want.perClass.map((_, c) => rows.filter((r) => r.label === c).length)).toEqual(want.perClass);
      const pairTask = GLUE_TASKS[key].textB !== null;
      for (const r of rows) {
        expect(r.textA.length).toBeGreaterThan(0);
        expect(r.textB === null).toBe(!pairTask);
        if (pairTask) expect(r.textB!.length).toBeGreaterThan(0);
      }
    });
  }

  it('reads the first rows as the files write them', () => {
    expect(shipped('sst2')[0]).toEqual({ textA: "it 's a charming and often affecting journey .", textB: null, label: 1, index: 0 });
    // MRPC's header starts with a BOM; without dropping it there would be no "Quality" column.
    expect(shipped('mrpc')[0]).toMatchObject({ textA: "He said the foodservice pie business doesn 't fit the company 's long-term growth strategy .", label: 1 });
    expect(shipped('stsb')[0]).toEqual({ textA: 'A man with a hard hat is dancing.', textB: 'A man wearing a hard hat is dancing.', label: 5, index: 0 });
    expect(shipped('stsb')[1].label).toBe(4.75);
    expect(shipped('rte')[0]).toMatchObject({ textB: 'Christopher Reeve had an accident.', label: 1 });
    expect(shipped('qnli')[0]).toMatchObject({ textA: 'What came into force after the new constitution was herald?', label: 0 });
    // CoLA has no header: the first line is an example, label in column 1, sentence in column 3.
    expect(shipped('cola')[0]).toEqual({ textA: 'The sailors rode the breeze clear of the rocks.', textB: null, label: 1, index: 0 });
    expect(shipped('cola').at(-1)!.index).toBe(1042);
    // The MNLI sample has no header: gold_label, premise, hypothesis.
    expect(shipped('mnli')[2]).toEqual({ textA: 'Impossible .', textB: 'Impossible , unless circumstances are met .', label: 1, index: 2 });
    expect(shipped('wnli')[0]).toMatchObject({ textB: 'The hair has to be cleaned.', label: 0 });
  });

  it('keeps unbalanced quotes verbatim', () => {
    // Line 766 of STS-B opens a quote it never closes; a CSV reader would run on into the next rows.
    expect(shipped('stsb')[764].textA).toBe('"The grass family is one of the most widely distributed and abundant groups of plants on Earth.');
    expect(shipped('stsb')[765].index).toBe(765);
    const qnli = shipped('qnli');
    expect(qnli[694].textB).toMatch(/^" Luis Walter Alvarez, Murray Gell-Mann/);
    expect(qnli.filter((r) => r.textB!.startsWith('" ')).length).toBeGreaterThanOrEqual(5);
    expect(qnli[2701]).toMatchObject({ textB: '" It also made it a crime for anyone in Germany to give Luther food or shelter.', label: 1 });
  });
});

describe('parsing a user-supplied file', () => {
  it('splits on tabs only: quotes are text', () => {
    const rows = parseGlueTsv('sentence\tlabel\n"an "odd\t1\n', GLUE_TASKS.sst2);
    expect(rows[0].textA).toBe('"an "odd');
  });

  it('reads CRLF files and skips blank lines, keeping line numbers true', () => {
    const rows = parseGlueTsv('sentence\tlabel\r\na\t0\r\n\r\nb\t1\r\n', GLUE_TASKS.sst2);
    expect(rows).toEqual([
      { textA: 'a', textB: null, label: 0, index: 0 },
      { textA: 'b', textB: null, label: 1, index: 1 },
    ]);
    expect(() => parseGlueTsv('sentence\tlabel\na\t0\n\nb\tyes\n', GLUE_TASKS.sst2)).toThrow(/^Line 4 of the SST-2 file has the label "yes", not one of 0, 1\.$/);
  });

  it('says what is wrong with a bad file', () => {
    expect(() => parseGlueTsv('', GLUE_TASKS.sst2)).toThrow('The SST-2 file is empty.');
    expect(() => parseGlueTsv('\uFEFF\n \n', GLUE_TASKS.rte)).toThrow('The RTE file is empty.');
    expect(() => parseGlueTsv('sentence\tlabel\n', GLUE_TASKS.sst2)).toThrow('The SST-2 file has a header line but no examples.');
    expect(() => parseGlueTsv('text\tlabel\na\t1', GLUE_TASKS.sst2)).toThrow('The SST-2 file has no "sentence" column (its header is: text, label).');
    expect(() => parseGlueTsv('sentence\tlabel\na\t7', GLUE_TASKS.sst2)).toThrow(/Line 2 .* label "7"/);
    expect(() => parseGlueTsv('index\tsentence1\tsentence2\tlabel\n0\ta\tb\tentailment\n1\ta\tb\tcontradiction\n', GLUE_TASKS.rte)).toThrow(
      'Line 3 of the RTE file has the label "contradiction", not one of entailment, not_entailment.',
    );
    expect(() => parseGlueTsv('index\tsentence1\tsentence2\tlabel\n0\tonly one sentence\n', GLUE_TASKS.wnli)).toThrow(/^Line 2 of the WNLI file has 2 columns, but WNLI needs 4: 0\tonly one sentence$/);
    expect(() => parseGlueTsv('x\ty\n', GLUE_TASKS.qqp, { fileName: 'qqp_dev.tsv' })).toThrow('qqp_dev.tsv (QQP) has no "question1" column (its header is: x, y).');
  });

  it('checks STS-B scores', () => {
    const header = 'sentence1\tsentence2\tscore\n';
    expect(parseGlueTsv(`${header}a\tb\t3.800\n`, GLUE_TASKS.stsb)[0].label).toBe(3.8);
    expect(() => parseGlueTsv(`${header}a\tb\t5.5\n`, GLUE_TASKS.stsb)).toThrow('Line 2 of the STS-B file has the score "5.5", not a number from 0 to 5.');
    expect(() => parseGlueTsv(`${header}a\tb\t\n`, GLUE_TASKS.stsb)).toThrow(/score "", not a number/);
    expect(() => parseGlueTsv(`${header}a\tb\thigh\n`, GLUE_TASKS.stsb)).toThrow(/score "high"/);
  });

  it('reads CoLA without a header, and says so when a file has one', () => {
    expect(parseGlueTsv('src\t0\t*\tBad sentence here.', GLUE_TASKS.cola)).toEqual([{ textA: 'Bad sentence here.', textB: null, label: 0, index: 0 }]);
    expect(() => parseGlueTsv('source\tlabel\tmark\tsentence\nsrc\t1\t\tFine.\n', GLUE_TASKS.cola)).toThrow('Line 1 of the CoLA file has the label "label", not one of 0, 1.');
  });

  it('reads MNLI in GLUE\'s dev_matched format as well as the shipped sample\'s', () => {
    const glue = 'index\tpromptID\tpairID\tgenre\tsentence1\tsentence2\tlabel1\tgold_label\n0\t1\t1e\tfiction\tP.\tH.\tneutral\tcontradiction\n';
    expect(parseGlueTsv(glue, GLUE_TASKS.mnli)).toEqual([{ textA: 'P.', textB: 'H.', label: 2, index: 0 }]);
    expect(parseGlueTsv('neutral\tP.\tH.', GLUE_TASKS.mnli)).toEqual([{ textA: 'P.', textB: 'H.', label: 1, index: 0 }]);
    // Neither format: the message is about GLUE's columns.
    expect(() => parseGlueTsv('premise\thypothesis\tlabel\nP.\tH.\tneutral\n', GLUE_TASKS.mnli)).toThrow('The MNLI-m file has no "sentence1" column (its header is: premise, hypothesis, label).');
  });

  it('reads a QQP file in GLUE format', () => {
    const rows = parseGlueTsv('id\tqid1\tqid2\tquestion1\tquestion2\tis_duplicate\n1\t2\t3\tWhy "?\tHow?\t1\n', GLUE_TASKS.qqp);
    expect(rows).toEqual([{ textA: 'Why "?', textB: 'How?', label: 1, index: 0 }]);
  });
});

describe('taskExamples', () => {
  it('is deterministic, in file order, and shares classes out in turn', () => {
    const rows = shipped('sst2');
    const picked = taskExamples(GLUE_TASKS.sst2, rows, 6);
    expect(picked).toHaveLength(6);
    expect(taskExamples(GLUE_TASKS.sst2, rows, 6)).toEqual(picked);
    expect(picked.filter((r) => r.label === 0)).toHaveLength(3);
    const indices = picked.map((r) => r.index);
    expect(indices).toEqual([...indices].sort((a, b) => a - b));
    expect(new Set(indices).size).toBe(6);
  });

  it('covers all three MNLI classes, and the range of STS-B scores', () => {
    const mnli = taskExamples(GLUE_TASKS.mnli, shipped('mnli'), 5);
    expect(new Set(mnli.map((r) => r.label))).toEqual(new Set([0, 1, 2]));
    const stsb = taskExamples(GLUE_TASKS.stsb, shipped('stsb'), 5).map((r) => r.label);
    expect(Math.min(...stsb)).toBeLessThan(1);
    expect(Math.max(...stsb)).toBeGreaterThan(4);
  });

  it('handles small and degenerate requests', () => {
    const rows = parseGlueTsv('sentence\tlabel\na\t1\nb\t1\nc\t1\nd\t0\n', GLUE_TASKS.sst2);
    expect(taskExamples(GLUE_TASKS.sst2, rows, 0)).toEqual([]);
    expect(taskExamples(GLUE_TASKS.sst2, rows, 10)).toEqual(rows);
    // One class runs dry: the rest come from the other.
    expect(taskExamples(GLUE_TASKS.sst2, rows, 3).map((r) => r.textA).sort()).toContain('d');
    expect(taskExamples(GLUE_TASKS.sst2, rows, 3)).toHaveLength(3);
    expect(taskExamples(GLUE_TASKS.sst2, [], 3)).toEqual([]);
  });
});
