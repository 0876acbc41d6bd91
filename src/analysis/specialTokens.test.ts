import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BertTokenizer } from '../engine/tokenizer';
import {
  addBatch,
  createSpecialTokenAccumulator,
  isPunctuationToken,
  specialTokenResult,
  TOKEN_CLS,
  TOKEN_NEGATION,
  TOKEN_PUNCTUATION,
  TOKEN_SEP,
  tokenClassFlags,
} from './specialTokens';

describe('token classes', () => {
  it('defines punctuation as BERT splits it', () => {
    for (const t of ['.', ',', ';', '!', '?', "'", '"', '-', '(', '$', '#', '@', '`', '~', '’', '—', '…', '¿', '«']) expect(isPunctuationToken(t), t).toBe(true);
    for (const t of ['a', '##s', '[CLS]', '[SEP]', '[UNK]', '5', '', '90s', 'u.s']) expect(isPunctuationToken(t), t).toBe(false);
  });

  it('finds negation in bert-base-uncased tokens, contractions included', async () => {
    const dir = new URL('../../fixtures/bert-base-uncased-tokenizer/', import.meta.url);
    const read = (f: string) => readFileSync(new URL(f, dir), 'utf8');
    const tokenizer = new BertTokenizer({ tokenizerJson: JSON.parse(read('tokenizer.json')), vocabTxt: null, tokenizerConfig: JSON.parse(read('tokenizer_config.json')), specialTokensMap: null }, 512);
    const { tokens } = tokenizer.encode("I don't think it isn't good, and they can't, won't or mustn't. Not never nor none! Dont.", 'No, nothing ’t cannot.');
    // The tokenizer splits at the apostrophe: "don't" → don ' t, "mustn't" → must ##n ' t.
    expect(tokens.slice(1, 11)).toEqual(['i', 'don', "'", 't', 'think', 'it', 'isn', "'", 't', 'good']);
    expect(tokens).toContain('##n');
    const flags = tokenClassFlags(tokens);
    const negated = tokens.filter((_, i) => flags[i] === TOKEN_NEGATION);
    // 't' of don't, isn't, can't, won't, mustn't; then not, never, nor, none, no, nothing, cannot.
    // Not negation: "Dont" (don ##t, no apostrophe), and the ’ t after "nothing" (not an n't stem).
    expect(negated).toEqual(['t', 't', 't', 't', 't', 'not', 'never', 'nor', 'none', 'no', 'nothing', 'cannot']);
    expect(flags[0]).toBe(TOKEN_CLS);
    expect(tokens.filter((_, i) => flags[i] === TOKEN_SEP)).toEqual(['[SEP]', '[SEP]']);
    expect(flags[tokens.indexOf("'")]).toBe(TOKEN_PUNCTUATION);
    expect(flags[tokens.indexOf('’')]).toBe(TOKEN_PUNCTUATION);
  });

  it('matches negation case-insensitively (cased models)', () => {
    expect(Array.from(tokenClassFlags(['Not', 'Don', "'", 'T', 'No']))).toEqual([TOKEN_NEGATION, 0, TOKEN_PUNCTUATION, TOKEN_NEGATION, TOKEN_NEGATION]);
  });
});

describe('attention to special tokens', () => {
  // 2 layers × 2 heads, a batch of 2 padded to S = 6. Head 0 is a hand-made map, head 1 uniform;
  // layer 1 repeats layer 0. Padding cells hold 0.9 so that counting them would show.
  const S = 6;
  const tokens = [
    ['[CLS]', 'it', 'is', 'not', '.', '[SEP]'],
    ['[CLS]', 'a', '[SEP]', 'b', '[SEP]', '[PAD]'],
  ];
  const lengths = [6, 5];
  const hand0 = [
    [0.5, 0.1, 0.1, 0.1, 0.1, 0.1],
    [0.2, 0.2, 0.2, 0.2, 0.1, 0.1],
    [0.1, 0.3, 0.1, 0.3, 0.1, 0.1],
    [0.1, 0.1, 0.1, 0.1, 0.1, 0.5],
    [0.0, 0.0, 0.0, 0.0, 0.0, 1.0],
    [0.3, 0.1, 0.1, 0.1, 0.3, 0.1],
  ];
  const hand1 = [
    [0.2, 0.2, 0.4, 0.1, 0.1],
    [0.1, 0.1, 0.2, 0.1, 0.5],
    [0.0, 0.0, 1.0, 0.0, 0.0],
    [0.1, 0.1, 0.1, 0.1, 0.6],
    [0.1, 0.1, 0.3, 0.1, 0.4],
  ];
  const layer = () => {
    const out = new Float32Array(2 * 2 * S * S).fill(0.9);
    const put = (b: number, h: number, rows: number[][]) => rows.forEach((row, r) => row.forEach((w, c) => { out[(b * 2 + h) * S * S + r * S + c] = w; }));
    put(0, 0, hand0);
    put(1, 0, hand1);
    put(0, 1, Array.from({ length: 6 }, () => new Array(6).fill(1 / 6)));
    put(1, 1, Array.from({ length: 5 }, () => new Array(5).fill(1 / 5)));
    return out;
  };
  const attentions = [layer(), layer()];

  it('takes column means, the max over occurrences, and skips examples without the token', () => {
    const acc = createSpecialTokenAccumulator(2, 2);
    addBatch(acc, attentions, S, lengths, tokens);
    const r = specialTokenResult(acc);
    expect(r.examples).toBe(2);
    // [CLS]: column means 1.2/6 and 0.5/5.
    expect(r.classes.cls.count).toBe(2);
    expect(r.classes.cls.mean![0][0]).toBeCloseTo((1.2 / 6 + 0.5 / 5) / 2, 6);
    // [SEP]: 1.9/6 in example 0; in example 1 the larger of 2.0/5 and 1.6/5.
    expect(r.classes.sep.count).toBe(2);
    expect(r.classes.sep.mean![0][0]).toBeCloseTo((1.9 / 6 + 2.0 / 5) / 2, 6);
    // Punctuation and negation occur in example 0 only: example 1 is skipped, not counted as 0.
    expect(r.classes.punctuation.count).toBe(1);
    expect(r.classes.punctuation.mean![0][0]).toBeCloseTo(0.7 / 6, 6);
    expect(r.classes.negation.count).toBe(1);
    expect(r.classes.negation.mean![0][0]).toBeCloseTo(0.8 / 6, 6);
    // Uniform head: 1/length for every token.
    expect(r.classes.cls.mean![0][1]).toBeCloseTo((1 / 6 + 1 / 5) / 2, 6);
    expect(r.classes.negation.mean![1][1]).toBeCloseTo(1 / 6, 6);
    // Per layer: the mean over heads (Fig. 6).
    expect(r.classes.sep.perLayer![1]).toBeCloseTo(((1.9 / 6 + 2.0 / 5) / 2 + (1 / 6 + 1 / 5) / 2) / 2, 6);
  });

  it("splits the last layer's [CLS] row by token class", () => {
    const acc = createSpecialTokenAccumulator(2, 2);
    addBatch(acc, attentions, S, lengths, tokens);
    const row = specialTokenResult(acc).lastLayerClsRow!;
    expect(row.count).toBe(2);
    // Example 0: [CLS] 0.5, [SEP] 0.1, '.' 0.1, others 0.3 (max 0.1); example 1: 0.2, 0.4 + 0.1, 0, 0.3 (max 0.2).
    expect(row.toCls[0]).toBeCloseTo(0.35, 6);
    expect(row.toSep[0]).toBeCloseTo(0.3, 6);
    expect(row.toPunctuation[0]).toBeCloseTo(0.05, 6);
    expect(row.toOther[0]).toBeCloseTo(0.3, 6);
    expect(row.otherMax[0]).toBeCloseTo(0.15, 6);
    expect(row.toCls[1] + row.toSep[1] + row.toPunctuation[1] + row.toOther[1]).toBeCloseTo(1, 6);
  });

  it('streams: two batches of one equal one batch of two', () => {
    const one = createSpecialTokenAccumulator(2, 2);
    addBatch(one, attentions, S, lengths, tokens);
    const split = createSpecialTokenAccumulator(2, 2);
    const slice = (b: number) => attentions.map((l) => l.slice(b * 2 * S * S, (b + 1) * 2 * S * S));
    addBatch(split, slice(0), S, [6], [tokens[0]]);
    addBatch(split, slice(1), S, [5], [tokens[1]]);
    expect(specialTokenResult(split)).toEqual(specialTokenResult(one));
  });

  it('reports null for a class never seen, and refuses a batch of the wrong shape', () => {
    const acc = createSpecialTokenAccumulator(2, 2);
    expect(specialTokenResult(acc).classes.cls).toEqual({ mean: null, perLayer: null, count: 0 });
    expect(specialTokenResult(acc).lastLayerClsRow).toBeNull();
    expect(() => addBatch(acc, attentions.slice(0, 1), S, lengths, tokens)).toThrow(/2 layers/);
    expect(() => addBatch(acc, attentions, S, [6, 7], tokens)).toThrow(/Length 7/);
  });
});
