import { describe, expect, it } from 'vitest';
import { defaultUrlState, readUrlState, writeUrlState } from './urlState';

describe('URL state', () => {
  it('round-trips a state and leaves defaults out', () => {
    const state = { ...defaultUrlState(), model: 'textattack/bert-base-uncased-SST-2@refs/pr/2', textA: 'a b & c', backend: 'wasm' as const };
    const search = writeUrlState(state);
    expect(search).not.toContain('hub=');
    expect(readUrlState(search)).toEqual({ state, problems: [] });
    expect(writeUrlState(defaultUrlState())).toBe('');
  });

  it('replaces malformed values by defaults and says so', () => {
    const { state, problems } = readUrlState('?model=<script>alert(1)</script>&backend=cuda&hub=javascript:alert(1)&a=' + 'x'.repeat(5000));
    expect(state).toEqual(defaultUrlState());
    expect(problems).toHaveLength(4);
  });
});
