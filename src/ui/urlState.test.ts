import { describe, expect, it } from 'vitest';
import { checkAgainstShape, defaultUrlState, readUrlState, URL_SCHEMA, writeUrlState, type UrlState } from './urlState';

describe('URL state', () => {
  it('round-trips a state and leaves defaults out', () => {
    const state: UrlState = {
      ...defaultUrlState(),
      model: 'textattack/bert-base-uncased-SST-2@refs/pr/2',
      textA: 'a b & c',
      textB: 'd = e?',
      backend: 'wasm',
      head: { layer: 7, head: 6 },
      view: 'lines',
      aggregation: 'layer',
      hide: ['cls', 'sep'],
      renormalise: true,
      mask: '12x12.AQ',
      layersOff: [3, 11],
      disableMode: 'uniform',
      panel: 'masking',
      sampleSize: 500,
      classroom: true,
    };
    const search = writeUrlState(state);
    expect(search).not.toContain('hub=');
    expect(readUrlState(search)).toEqual({ state, problems: [] });
    expect(writeUrlState(defaultUrlState())).toBe('');
  });

  it('opens the first side panel for older links that name the atlas tab, and a small sample by default', () => {
    expect(readUrlState('?panel=atlas')).toEqual({ state: { ...defaultUrlState(), panel: 'patterns' }, problems: [] });
    expect(readUrlState('?panel=sweep').state.panel).toBe('sweep');
    expect(defaultUrlState().sampleSize).toBe(64);
    // "all" (0) is no longer the default, so a link keeps it.
    expect(writeUrlState({ ...defaultUrlState(), sampleSize: 0 })).toBe('?n=0');
  });

  it('keeps a link with every head of a 12 × 12 model disabled short', () => {
    const all = `12x12.${'_'.repeat(24)}`;
    const search = writeUrlState({ ...defaultUrlState(), mask: all, head: { layer: 12, head: 12 } });
    expect(search.length).toBeLessThan(60);
  });

  it('replaces malformed values by defaults and says so', () => {
    const { state, problems } = readUrlState('?model=<script>alert(1)</script>&backend=cuda&hub=javascript:alert(1)&a=' + 'x'.repeat(5000));
    expect(state).toEqual(defaultUrlState());
    expect(problems).toHaveLength(4);
  });

  it('survives hostile and malformed values of every property', () => {
    const hostile = ['<img src=x onerror=alert(1)>', '-1', '1e999', '99999999999999999999', '', ' ', '%00', '1-', '0-0', '12x12.', '12x12.AQ===', 'a,b', '1'.repeat(5000)];
    for (const prop of Object.values(URL_SCHEMA)) {
      for (const value of hostile) {
        const { state, problems } = readUrlState(`?${new URLSearchParams({ [prop.key]: value })}`);
        // Either the value is a valid one for the property (and formats back to itself) or it was reported.
        if (problems.length === 0) expect(writeUrlState(state)).toBe(value === prop.format(prop.fallback as never) ? '' : `?${new URLSearchParams({ [prop.key]: value })}`);
        else expect(state).toEqual(defaultUrlState());
      }
    }
  });

  it('drops what does not fit the loaded model, and says so', () => {
    const state = { ...defaultUrlState(), head: { layer: 7, head: 6 }, mask: '12x12.AQ', layersOff: [2, 9] };
    const checked = checkAgainstShape(state, 4, 4);
    expect(checked.state.head).toBeNull();
    expect(checked.state.mask).toBe('');
    expect(checked.state.layersOff).toEqual([2]);
    expect(checked.problems).toHaveLength(3);
    expect(checkAgainstShape(state, 12, 12).problems).toEqual([]);
  });
});
