import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BertTokenizer } from '../tokenizer';
import { FIXTURES } from './fixtures';

const dir = `${FIXTURES}bert-base-uncased-tokenizer/`;
const read = (f: string) => readFileSync(dir + f, 'utf8');

describe('a vocab.txt-only tokenizer', () => {
  it('reads words that are names of Object.prototype as words, not letters', () => {
    // Object.prototype's own names, as vocabulary entries: an object lookup would find them "already there".
    const words = ['constructor', 'tostring', 'valueof', 'hasownproperty', 'isprototypeof', 'propertyisenumerable', 'tolocalestring'];
    const letters = [...new Set(words.join(''))].flatMap((c) => [c, `##${c}`]);
    const vocab = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', ...words, '__proto__', ...letters].join('\n');
    const tokenizer = new BertTokenizer({ tokenizerJson: null, vocabTxt: vocab, tokenizerConfig: null, specialTokensMap: null }, 64);
    expect(tokenizer.encode('constructor toString valueOf hasOwnProperty isPrototypeOf').tokens).toEqual([
      '[CLS]', 'constructor', 'tostring', 'valueof', 'hasownproperty', 'isprototypeof', '[SEP]',
    ]);
    // Ids are the line numbers, as in BertTokenizer.
    expect(tokenizer.encode('constructor').inputIds).toEqual([2, 5, 3]);
    expect(tokenizer.tokenOf(12)).toBe('__proto__');
  });

  it('bert-base-uncased from vocab.txt gives the same ids as from tokenizer.json for such words', () => {
    const fromJson = new BertTokenizer({ tokenizerJson: JSON.parse(read('tokenizer.json')), vocabTxt: null, tokenizerConfig: JSON.parse(read('tokenizer_config.json')), specialTokensMap: null }, 512);
    const fromVocab = new BertTokenizer({ tokenizerJson: null, vocabTxt: read('vocab.txt'), tokenizerConfig: JSON.parse(read('tokenizer_config.json')), specialTokensMap: null }, 512);
    const text = 'the constructor of the prototype called toString and valueOf';
    expect(fromVocab.encode(text)).toEqual(fromJson.encode(text));
    expect(fromVocab.encode(text).tokens).toContain('prototype');
  });
});

describe('truncation of long pairs', () => {
  const tokenizer = new BertTokenizer({ tokenizerJson: JSON.parse(read('tokenizer.json')), vocabTxt: null, tokenizerConfig: JSON.parse(read('tokenizer_config.json')), specialTokensMap: null }, 128);
  const words = (n: number, w: string) => Array.from({ length: n }, () => w).join(' ');
  const lengths = (e: ReturnType<BertTokenizer['encode']>) => {
    const a = e.tokenTypeIds.filter((t) => t === 0).length - 2;
    return [a, e.inputIds.length - a - 3];
  };

  /** Hugging Face's longest_first (tokenizers' TruncationStrategy::LongestFirst and BERT's _truncate_seq_pair): the longer loses a token; on a tie, B does. */
  function rule(a: number, b: number, budget: number): [number, number] {
    while (a + b > budget) {
      if (a > b) a--;
      else b--;
    }
    return [a, b];
  }

  it('two long texts of equal length are cut to 63 and 62 tokens for 128', () => {
    const e = tokenizer.encode(words(100, 'cat'), words(100, 'dog'));
    expect(e.inputIds.length).toBe(128);
    expect(lengths(e)).toEqual([63, 62]);
    expect(e.truncated).toEqual({ from: 203, to: 128 });
  });

  it.each([
    [100, 100],
    [70, 90],
    [90, 70],
    [126, 1],
    [1, 200],
    [64, 63],
    [63, 64],
    [300, 299],
  ])('A of %i and B of %i word pieces follow longest_first', (na, nb) => {
    const e = tokenizer.encode(words(na, 'cat'), words(nb, 'dog'));
    expect(lengths(e)).toEqual(rule(na, nb, 125));
  });
});
