import { describe, expect, it } from 'vitest';
import { specOfModelText } from './modelText';
import { readUrlState } from './urlState';

describe('bundled model names', () => {
  it.each(['bundled:.', 'bundled:..', 'bundled:', 'bundled:/', 'bundled:a/b', 'bundled:./micro-bert'])('%s is refused with a message', (text) => {
    expect(() => specOfModelText(text, 'https://huggingface.co')).toThrow(/is not a bundled model: after "bundled:" comes the name of one/);
  });

  it('a real name passes', () => {
    expect(specOfModelText('bundled:micro-bert-sst2', 'https://huggingface.co')).toEqual({ kind: 'bundled', name: 'micro-bert-sst2' });
  });

  it.each(['bundled:.', 'bundled:', 'bundled:a/b'])('a link with model=%s loads the default model instead, and says so', (text) => {
    const { state, problems } = readUrlState(`?model=${encodeURIComponent(text)}`);
    expect(state.model).toBe('bundled:micro-bert-sst2');
    expect(problems.join(' ')).toMatch(/model/);
  });
});
