import { DOMParser, onErrorStopParsing, type Document, type Element } from '@xmldom/xmldom';
import { convertIndexedToRgb, decode, hasPngSignature } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { ATTENTION_LUT } from './colorScale';
import { attentionCsv, attentionJson, csvLabels, exportFileName, formatFloat32, gridSvg, headSvg, mapPng, xmlEscape } from './exporters';

/** A row-stochastic S×S map with awkward float32 values (not short decimals). */
function randomMap(size: number, seed = 1): Float32Array {
  let state = seed;
  const next = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const map = new Float32Array(size * size);
  for (let r = 0; r < size; r++) {
    let sum = 0;
    for (let c = 0; c < size; c++) sum += map[r * size + c] = next() ** 3;
    for (let c = 0; c < size; c++) map[r * size + c] /= sum;
  }
  return map;
}

/** RFC 4180 reader, enough to check what a spreadsheet would see. */
function readCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') row.push(field), (field = '');
    else if (ch === '\r' && text[i + 1] === '\n') row.push(field), rows.push(row), (row = []), (field = ''), i++;
    else field += ch;
  }
  if (field || row.length) throw new Error('CSV does not end with CRLF');
  return rows;
}

/** Strict XML parse: any error fails (warnings include a mere U+FFFD in text, which is valid XML). */
function parseSvg(svg: string): Document {
  return new DOMParser({ onError: onErrorStopParsing }).parseFromString(svg, 'image/svg+xml');
}

const elements = (doc: Document, name: string): Element[] => Array.from(doc.getElementsByTagName(name));

const HOSTILE = ['<script>alert(1)</script>', 'a&b', '"quoted"', "it's", ']]>', 'ctl\u0001'];

describe('formatFloat32', () => {
  it('writes the shortest decimal that reads back to the same float32', () => {
    expect(formatFloat32(0.25)).toBe('0.25');
    expect(formatFloat32(Math.fround(0.1))).toBe('0.1');
    expect(formatFloat32(1)).toBe('1');
    expect(formatFloat32(0)).toBe('0');
    for (const v of randomMap(16)) {
      const text = formatFloat32(v);
      expect(Math.fround(Number(text))).toBe(v);
      expect(text.replace(/^0\.0*|e.*$|\./g, '').length).toBeLessThanOrEqual(9);
    }
  });
});

describe('attentionCsv', () => {
  const tokens = ['[CLS]', 'the', 'a,b', '"', '##s', 'the', '[SEP]'];
  const map = randomMap(tokens.length);
  const rows = readCsv(attentionCsv(map, tokens, tokens));

  it('has a header and one row per query token, S+1 × S+1', () => {
    expect(rows).toHaveLength(tokens.length + 1);
    for (const row of rows) expect(row).toHaveLength(tokens.length + 1);
    expect(rows[0][0]).toBe('from\\to');
  });

  it('escapes tokens per RFC 4180 and numbers repeated ones by position', () => {
    const labels = ['[CLS]', 'the (2)', 'a,b', '"', '##s', 'the (6)', '[SEP]'];
    expect(rows[0].slice(1)).toEqual(labels);
    expect(rows.slice(1).map((r) => r[0])).toEqual(labels);
    const text = attentionCsv(map, tokens, tokens);
    expect(text.split('\r\n')[0]).toBe('from\\to,[CLS],the (2),"a,b","""",##s,the (6),[SEP]');
  });

  it('keeps every weight to float32 precision', () => {
    const S = tokens.length;
    for (let r = 0; r < S; r++) for (let c = 0; c < S; c++) expect(Math.fround(Number(rows[r + 1][c + 1]))).toBe(map[r * S + c]);
  });

  it('can keep raw tokens, and keeps labels from reading as formulas', () => {
    const raw = readCsv(attentionCsv(new Float32Array(4), ['the', 'the'], ['the', 'the'], { uniqueLabels: false }));
    expect(raw[0]).toEqual(['from\\to', 'the', 'the']);
    expect(csvLabels(['-', '-', '=cmd', '@x', '+'])).toEqual(["'- (1)", "'- (2)", "'=cmd", "'@x", '+']);
  });

  it('rejects a matrix of the wrong size', () => {
    expect(() => attentionCsv(new Float32Array(5), ['a', 'b'], ['a', 'b'])).toThrow(RangeError);
  });
});

describe('attentionJson', () => {
  const tokens = ['[CLS]', 'the', 'movie', '[SEP]', 'it', '<b>', '[SEP]'];
  const segments = [0, 0, 0, 0, 1, 1, 1];
  const map = randomMap(tokens.length, 7);

  it('round-trips tokens and weights bit for bit', () => {
    const parsed = JSON.parse(
      attentionJson({ model: 'owner/bert', revision: 'main', text: { a: 'the movie', b: 'it <b>' }, layer: 7, head: 6, tokens, segments, matrix: map }),
    );
    expect(parsed).toMatchObject({ model: 'owner/bert', revision: 'main', text: { a: 'the movie', b: 'it <b>' }, layer: 7, head: 6, aggregation: 'head', tokens, segments });
    expect(parsed.matrix).toHaveLength(tokens.length);
    expect(Float32Array.from(parsed.matrix.flat() as number[])).toEqual(map);
    for (const row of parsed.matrix as number[][]) for (const v of row) expect(Math.fround(v)).toBe(v);
  });

  it('keeps every key, null where it does not apply', () => {
    const parsed = JSON.parse(attentionJson({ model: 'm', text: { a: 'x' }, aggregation: 'all-mean', tokens, segments, matrix: map }));
    expect(parsed).toMatchObject({ revision: null, text: { a: 'x', b: null }, layer: null, head: null, aggregation: 'all-mean' });
    const layerMean = JSON.parse(attentionJson({ model: 'm', text: { a: 'x' }, aggregation: 'layer-mean', layer: 2, head: 3, tokens, segments, matrix: map }));
    expect(layerMean).toMatchObject({ layer: 2, head: null });
  });

  it('rejects 0-based or missing indices and mismatched lengths', () => {
    const base = { model: 'm', text: { a: 'x' }, tokens, segments, matrix: map };
    expect(() => attentionJson({ ...base, layer: 0, head: 1 })).toThrow(/1-indexed/);
    expect(() => attentionJson({ ...base, layer: 1 })).toThrow(/head/);
    expect(() => attentionJson({ ...base, layer: 1, head: 1, segments: [0] })).toThrow(RangeError);
  });
});

describe('headSvg', () => {
  const tokens = ['[CLS]', ...HOSTILE, '[SEP]'];
  const S = tokens.length;
  const map = randomMap(S, 3);

  it('is well-formed XML with one rect per cell, coloured from the LUT', () => {
    const doc = parseSvg(headSvg({ matrix: map, tokens, title: 'Layer 7 head 6 <&>' }));
    expect(doc.documentElement!.tagName).toBe('svg');
    const cells = elements(doc, 'g').find((g) => g.getAttribute('class') === 'cells')!;
    const rects = Array.from(cells.getElementsByTagName('rect'));
    expect(rects).toHaveLength(S * S);
    const index = Math.round(map[S + 2] * 255) * 3; // row 1, column 2
    const hex = '#' + Array.from(ATTENTION_LUT.subarray(index, index + 3), (c) => c.toString(16).padStart(2, '0')).join('');
    expect(rects[S + 2].getAttribute('fill')).toBe(hex);
  });

  it('escapes hostile tokens and title: they come back as text, never as markup', () => {
    const doc = parseSvg(headSvg({ matrix: map, tokens, title: '<script>alert(1)</script> & "t"' }));
    expect(elements(doc, 'script')).toHaveLength(0);
    const texts = elements(doc, 'text').map((t) => t.textContent);
    for (const token of HOSTILE) expect(texts.filter((t) => t === token.replace('\u0001', '\uFFFD'))).toHaveLength(2); // both axes
    expect(texts).toContain('<script>alert(1)</script> & "t"');
    expect(elements(doc, 'title')[0].textContent).toBe('<script>alert(1)</script> & "t"');
  });

  it('leaves hidden tokens out of both axes', () => {
    const hide = tokens.map((t) => t === '[CLS]' || t === '[SEP]');
    const doc = parseSvg(headSvg({ matrix: map, tokens, title: 't', hideTokens: hide, cellSize: 10 }));
    const cells = elements(doc, 'g').find((g) => g.getAttribute('class') === 'cells')!;
    expect(cells.getElementsByTagName('rect')).toHaveLength((S - 2) ** 2);
    expect(elements(doc, 'text').map((t) => t.textContent)).not.toContain('[CLS]');
  });

  it('handles a 128-token map', () => {
    const big = Array.from({ length: 128 }, (_, i) => `t${i}`);
    const doc = parseSvg(headSvg({ matrix: randomMap(128), tokens: big, title: 'big' }));
    const cells = elements(doc, 'g').find((g) => g.getAttribute('class') === 'cells')!;
    expect(cells.getElementsByTagName('rect')).toHaveLength(128 * 128);
  });
});

describe('xmlEscape', () => {
  it('escapes markup and replaces characters XML forbids', () => {
    expect(xmlEscape(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;');
    expect(xmlEscape('a\u0000b\uD800c\u{1F600}')).toBe('a\uFFFDb\uFFFDc\u{1F600}');
  });
});

describe('mapPng', () => {
  it('writes a PNG that decodes to the map in LUT colours', () => {
    const S = 9;
    const map = randomMap(S, 5);
    map[0] = 0;
    map[1] = 1;
    const png = mapPng(map, S);
    expect(Array.from(png.subarray(0, 8))).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(hasPngSignature(png)).toBe(true);
    const decoded = decode(png);
    expect([decoded.width, decoded.height]).toEqual([S, S]);
    const rgb = convertIndexedToRgb(decoded);
    for (let i = 0; i < S * S; i++) {
      const lut = Math.round(map[i] * 255) * 3;
      expect(Array.from(rgb.subarray(i * 3, i * 3 + 3))).toEqual(Array.from(ATTENTION_LUT.subarray(lut, lut + 3)));
    }
  });

  it('scales by whole pixels', () => {
    const map = new Float32Array([0, 1, 1, 0]);
    const decoded = decode(mapPng(map, 2, 3));
    expect([decoded.width, decoded.height]).toEqual([6, 6]);
    const rgb = convertIndexedToRgb(decoded);
    const at = (x: number, y: number) => Array.from(rgb.subarray((y * 6 + x) * 3, (y * 6 + x) * 3 + 3));
    const top = Array.from(ATTENTION_LUT.subarray(255 * 3));
    expect(at(2, 2)).toEqual(Array.from(ATTENTION_LUT.subarray(0, 3)));
    expect(at(3, 2)).toEqual(top);
    expect(at(0, 5)).toEqual(top);
    expect(() => mapPng(map, 2, 1.5)).toThrow(RangeError);
  });
});

describe('gridSvg', () => {
  it('embeds one crisp PNG per head with 1-indexed layer-head labels', () => {
    const layers = 12;
    const heads = 4;
    const S = 6;
    const attentions = Array.from({ length: layers }, (_, l) => {
      const layer = new Float32Array(heads * S * S);
      for (let h = 0; h < heads; h++) layer.set(randomMap(S, l * heads + h + 1), h * S * S);
      return layer;
    });
    const doc = parseSvg(gridSvg({ attentions, heads, seqLen: S, title: 'micro-bert & <grid>' }));
    const images = elements(doc, 'image');
    expect(images).toHaveLength(layers * heads);
    const labels = elements(doc, 'text').map((t) => t.textContent);
    expect(labels).toContain('7-4');
    expect(labels).toContain('12-1');
    expect(labels).not.toContain('0-0');
    expect(labels).toContain('micro-bert & <grid>');
    // Layer 7 head 4 is the 7th row's 4th image, and decodes to that head's map.
    const href = images[6 * heads + 3].getAttributeNS('http://www.w3.org/1999/xlink', 'href')!;
    expect(images[0].getAttribute('style')).toContain('pixelated');
    const png = decode(Uint8Array.from(atob(href.replace('data:image/png;base64,', '')), (c) => c.charCodeAt(0)));
    const rgb = convertIndexedToRgb(png);
    const expected = attentions[6].subarray(3 * S * S, 4 * S * S);
    const lut = Math.round(expected[5] * 255) * 3;
    expect(Array.from(rgb.subarray(15, 18))).toEqual(Array.from(ATTENTION_LUT.subarray(lut, lut + 3)));
  });

  it('rejects layers of the wrong size', () => {
    expect(() => gridSvg({ attentions: [new Float32Array(10)], heads: 2, seqLen: 3, title: 't' })).toThrow(RangeError);
  });
});

describe('exportFileName', () => {
  it('builds safe names from models, Hub ids and 1-indexed positions', () => {
    expect(exportFileName({ model: 'bundled:micro-bert-sst2', layer: 7, head: 6, kind: 'attention', ext: 'csv' })).toBe('micro-bert-sst2_L7-H6_attention.csv');
    expect(exportFileName({ model: 'textattack/bert-base-uncased-SST-2@refs/pr/2', kind: 'grid', ext: '.svg' })).toBe(
      'textattack-bert-base-uncased-SST-2-refs-pr-2_grid.svg',
    );
    expect(exportFileName({ model: '../..', layer: 3, kind: 'layer mean', ext: 'json' })).toBe('model_L3_layer-mean.json');
    expect(() => exportFileName({ model: 'm', layer: 0, kind: 'k', ext: 'csv' })).toThrow(/1-indexed/);
  });
});
