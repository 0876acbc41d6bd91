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

describe('a link whose Hub host holds credentials', () => {
  it('is followed without them, and what is reported does not repeat the password', () => {
    const { state, problems } = readUrlState(`?model=a%2Fb&hub=${encodeURIComponent('http://user:s3cret@127.0.0.1:9')}`);
    expect(state.hubHost).toBe('http://127.0.0.1:9');
    expect(problems).toEqual(["The link's Hub host held a user name or password; they were removed."]);
    expect(problems.join(' ')).not.toContain('s3cret');
  });
});
