import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BertTokenizer } from '../tokenizer';
import { FIXTURES, loadFixture } from './fixtures';

const dir = `${FIXTURES}bert-base-uncased-tokenizer/`;
const read = (f: string) => readFileSync(dir + f, 'utf8');
const cases: { name: string; text: string; text_pair: string | null; tokens?: string[]; input_ids?: number[]; token_type_ids?: number[] }[] =
  JSON.parse(readFileSync(`${FIXTURES}reference/tokenization.json`, 'utf8')).cases;

describe.each([
  ['tokenizer.json', () => new BertTokenizer({ tokenizerJson: JSON.parse(read('tokenizer.json')), vocabTxt: null, tokenizerConfig: JSON.parse(read('tokenizer_config.json')), specialTokensMap: null }, 512)],
  ['vocab.txt only', () => new BertTokenizer({ tokenizerJson: null, vocabTxt: read('vocab.txt'), tokenizerConfig: JSON.parse(read('tokenizer_config.json')), specialTokensMap: null }, 512)],
])('bert-base-uncased from %s', (_, make) => {
  const tokenizer = make();
  it.each(cases.filter((c) => c.input_ids))('$name matches BertTokenizer', (c) => {
    const e = tokenizer.encode(c.text, c.text_pair);
    expect(e.inputIds).toEqual(c.input_ids);
    expect(e.tokenTypeIds).toEqual(c.token_type_ids);
    expect(e.tokens).toEqual(c.tokens);
    expect(e.truncated).toBeNull();
  });
  it('knows its special tokens', () => {
    expect(tokenizer.padId).toBe(0);
    expect(tokenizer.maskId).toBe(103);
    expect([...tokenizer.specialIds].sort((a, b) => a - b)).toEqual([0, 100, 101, 102, 103]);
  });
});

it('a model with only vocab.txt tokenizes like one with tokenizer.json', async () => {
  const sst2 = (await loadFixture('tiny-bert-sst2')).prepared.tokenizer;
  const base = (await loadFixture('tiny-bert')).prepared.tokenizer;
  for (const [a, b] of [['The movie was GREAT!', null], ['the cat sat on the mat.', 'where is the dog?'], ['zzqx unknown', null]] as const) {
    expect(sst2.encode(a, b)).toEqual(base.encode(a, b));
  }
});
