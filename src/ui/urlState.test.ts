import { deflateSync } from 'fflate';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkAgainstShape, defaultUrlState, packText, readUrlState, textsTooLongForLink, URL_SCHEMA, writeUrlState, type UrlState } from './urlState';

/** Real sentences (the SST-2 dev set), joined up to `n` characters. */
const englishText = (n: number) => readFileSync(new URL('../../public/data/sst2/dev.tsv', import.meta.url), 'utf8').split('\n').slice(1).map((l) => l.split('\t')[0]).join(' ').slice(0, n);
/** A Chinese text of `n` characters: a paragraph of the Universal Declaration of Human Rights, repeated. */
const chineseText = (n: number) => '人人生而自由，在尊严和权利上一律平等。他们赋有理性和良心，并应以兄弟关系的精神相对待。人人有资格享有本宣言所载的一切权利和自由，不分种族、肤色、性别、语言、宗教、政治或其他见解、国籍或社会出身、财产、出生或其他身分等任何区别。'.repeat(Math.ceil(n / 100)).slice(0, n);
/** `n` CJK characters drawn at random (a fixed seed): nothing for a compressor to find. */
const randomCjk = (n: number) => {
  let seed = 7;
  return Array.from({ length: n }, () => String.fromCharCode(0x4e00 + ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % 20000))).join('');
};

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
      classifier: 'user',
      classroom: true,
    };
    const search = writeUrlState(state);
    expect(search).not.toContain('hub=');
    expect(readUrlState(search)).toEqual({ state, problems: [] });
    expect(writeUrlState(defaultUrlState())).toBe('');
  });

  it('says which classifier made the pattern histogram: default, rules or the user’s', () => {
    expect(defaultUrlState().classifier).toBe('default');
    expect(readUrlState('?classifier=rules').state.classifier).toBe('rules');
    expect(writeUrlState({ ...defaultUrlState(), classifier: 'user' })).toBe('?classifier=user');
    const { state, problems } = readUrlState('?classifier=cnn');
    expect(state.classifier).toBe('default');
    expect(problems).toEqual(['The link\'s "classifier" value was not understood; using the default.']);
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

  it('keeps a long text in the link compressed, under 8 KB, and opens it back to the same text', () => {
    for (const textA of [englishText(4500), chineseText(4000)]) {
      expect(textA.length).toBeGreaterThanOrEqual(4000);
      const state = { ...defaultUrlState(), textA, textB: englishText(1500) };
      const search = writeUrlState(state);
      expect(search).toContain('az=');
      expect(new TextEncoder().encode(`https://example.github.io/head-atlas/${search}`).length).toBeLessThan(8000);
      expect(readUrlState(search)).toEqual({ state, problems: [] });
      expect(textsTooLongForLink(state)).toEqual([]);
    }
  });

  it('leaves out a text too long to keep even compressed, and the link says so', () => {
    const state = { ...defaultUrlState(), textA: randomCjk(4000), textB: 'kept' };
    expect(textsTooLongForLink(state)).toEqual(['a']);
    const search = writeUrlState(state);
    expect(search.length).toBeLessThan(200);
    expect(search).toContain('cut=a');
    const read = readUrlState(search);
    expect(read.state.textA).toBe(defaultUrlState().textA);
    expect(read.state.textB).toBe('kept');
    expect(read.problems).toEqual(['The sentence A of this view was too long to keep in its link; paste it in again.']);
  });

  it('refuses a compressed text that unpacks to more than it may (a few bytes can unpack to gigabytes)', () => {
    const bomb = Buffer.from(deflateSync(new Uint8Array(5_000_000), { level: 9 })).toString('base64url');
    expect(bomb.length).toBeLessThan(8000);
    const t0 = performance.now();
    const small = `?az=${packText('x'.repeat(70_000)).slice(0, 7000)}`;
    for (const search of [`?az=${bomb.slice(0, 8000)}`, small, '?az=%00%00', '?az=not*base64']) {
      const { state, problems } = readUrlState(search);
      expect(state.textA).toBe(defaultUrlState().textA);
      expect(problems).toEqual(['The link\'s "az" value was not understood; using the default.']);
    }
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it('never writes a password (or user name) of a Hub host into the link, and drops one a link brings', () => {
    const state = { ...defaultUrlState(), hubHost: 'http://user:secret@10.0.0.5:8080/hub/' };
    const search = writeUrlState(state);
    expect(search).not.toContain('secret');
    expect(search).not.toContain('user');
    expect(new URLSearchParams(search).get('hub')).toBe('http://10.0.0.5:8080/hub');
    const read = readUrlState('?hub=https://alice:hunter2@mirror.example.org');
    expect(read.state.hubHost).toBe('https://mirror.example.org');
    expect(read.problems).toEqual(["The link's Hub host held a user name or password; they were removed."]);
  });
});
