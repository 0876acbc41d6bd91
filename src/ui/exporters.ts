// Exports of attention maps for papers and slides: CSV and JSON of one matrix, SVG of one head or the
// whole grid, PNG of one map. Everything here is a pure function returning a string or bytes, so it
// runs (and is tested) in Node; only `canvasPng` and `downloadFile` touch the DOM.
//
// Conventions:
// - A map is S×S, row-major: row = query token ("from"), column = key token ("to"), as one head's
//   `subarray` of a layer's [1, heads, S, S] block.
// - Layer and head numbers are 1-indexed everywhere in this module, as the UI labels them ("7-6" is
//   layer 7 head 6): callers holding array indices pass index + 1.
// - Colours are the UI's: weight / colorMax (default 1, the UI's absolute scale) through ATTENTION_LUT.
import { encode as encodePng } from 'fast-png';
import { ATTENTION_LUT } from './colorScale';

export type Aggregation = 'head' | 'layer-mean' | 'all-mean';

// ---------------------------------------------------------------------------------------------
// Shared helpers

function checkSquare(matrix: ArrayLike<number>, size: number, what: string): void {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`${what}: size must be a positive integer, got ${size}`);
  if (matrix.length !== size * size) {
    throw new RangeError(`${what}: expected ${size}×${size} = ${size * size} weights, got ${matrix.length}`);
  }
}

function checkColorMax(colorMax: number): void {
  if (!(colorMax > 0 && Number.isFinite(colorMax))) throw new RangeError(`colorMax must be a positive number, got ${colorMax}`);
}

function checkOneBased(value: number | undefined, what: string): void {
  if (value !== undefined && !(Number.isInteger(value) && value >= 1)) {
    throw new RangeError(`${what} must be a 1-indexed integer (as in the UI), got ${value}`);
  }
}

/** Same rounding as the grid and detail views; NaN goes to the bottom of the scale rather than to an undefined colour. */
function lutIndex(weight: number, colorMax: number): number {
  const i = Math.round((weight / colorMax) * 255);
  return i >= 0 ? Math.min(255, i) : 0;
}

const LUT_HEX: string[] = Array.from({ length: 256 }, (_, i) => {
  const hex = (c: number) => c.toString(16).padStart(2, '0');
  return `#${hex(ATTENTION_LUT[i * 3])}${hex(ATTENTION_LUT[i * 3 + 1])}${hex(ATTENTION_LUT[i * 3 + 2])}`;
});

/**
 * Shortest decimal that reads back to the same float32 (at most 9 significant digits), so CSV cells
 * stay short ("0.25", not "0.25000000372529") yet lose nothing. Tiny weights (< 1e-6) come out in
 * exponent form ("3.1e-7"), which every CSV reader parses as a number.
 */
export function formatFloat32(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const f = Math.fround(value);
  for (let digits = 1; digits < 9; digits++) {
    const text = String(Number(f.toPrecision(digits)));
    if (Math.fround(Number(text)) === f) return text;
  }
  return String(Number(f.toPrecision(9)));
}

// ---------------------------------------------------------------------------------------------
// CSV

/** Characters that make Excel/LibreOffice read a cell as a formula (CSV injection, OWASP). */
const FORMULA_START = /^[=+\-@\t\r]/;

function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * Labels for a CSV axis. Repeated tokens (two "the", the [SEP]s of a pair) get their 1-indexed
 * position appended — "the (3)", "the (9)" — so spreadsheets and pandas see unique headers; tokens
 * that occur once stay as they are. A label longer than one character that starts like a formula
 * ("- (5)" would read as -5, "=cmd|…" would run) gets a leading apostrophe.
 */
export function csvLabels(tokens: string[], unique = true): string[] {
  const counts = new Map<string, number>();
  for (const t of tokens) counts.set(t, (counts.get(t) ?? 0) + 1);
  return tokens.map((token, i) => {
    const label = unique && counts.get(token)! > 1 ? `${token} (${i + 1})` : token;
    return label.length > 1 && FORMULA_START.test(label) ? `'${label}` : label;
  });
}

/**
 * The matrix as RFC 4180 CSV (CRLF line ends): a header row `from\to, <column labels>`, then one row
 * per query token starting with its label. Labels follow `csvLabels`; the JSON export keeps raw
 * tokens. Numbers follow `formatFloat32`.
 */
export function attentionCsv(
  matrix: ArrayLike<number>,
  rowTokens: string[],
  colTokens: string[],
  options: { uniqueLabels?: boolean } = {},
): string {
  const rows = rowTokens.length;
  const cols = colTokens.length;
  if (matrix.length !== rows * cols) {
    throw new RangeError(`attentionCsv: expected ${rows}×${cols} = ${rows * cols} weights, got ${matrix.length}`);
  }
  const unique = options.uniqueLabels ?? true;
  const rowLabels = csvLabels(rowTokens, unique).map(csvField);
  const lines = [['from\\to', ...csvLabels(colTokens, unique).map(csvField)].join(',')];
  for (let r = 0; r < rows; r++) {
    const cells = [rowLabels[r]];
    for (let c = 0; c < cols; c++) cells.push(formatFloat32(matrix[r * cols + c]));
    lines.push(cells.join(','));
  }
  return lines.join('\r\n') + '\r\n';
}

// ---------------------------------------------------------------------------------------------
// JSON

export interface AttentionJsonInput {
  model: string;
  revision?: string;
  /** The Hub host, when it is not the Hugging Face Hub. */
  host?: string;
  /** The content identity of the loaded model's files (ModelInfo.identity). */
  identity?: string;
  text: { a: string; b?: string };
  /** 1-indexed; required unless aggregation is 'all-mean'. */
  layer?: number;
  /** 1-indexed; required when aggregation is 'head' (the default). */
  head?: number;
  aggregation?: Aggregation;
  tokens: string[];
  /** Segment (token type) of each token: 0 for sentence A, 1 for B. */
  segments: ArrayLike<number>;
  /** S×S, row-major (row = from, column = to). */
  matrix: ArrayLike<number>;
}

/**
 * The matrix with everything needed to read it: raw tokens, segments, where it came from. Keys are
 * always present (`revision`, `text.b`, `layer`, `head` are null when not applicable). Each weight
 * is written as the exact double value of its float32, so `Math.fround` / `np.float32` of what a
 * reader parses is the original bit for bit. One matrix row per line keeps the file readable.
 */
export function attentionJson(input: AttentionJsonInput): string {
  const size = input.tokens.length;
  checkSquare(input.matrix, size, 'attentionJson');
  if (input.segments.length !== size) {
    throw new RangeError(`attentionJson: ${size} tokens but ${input.segments.length} segments`);
  }
  const aggregation = input.aggregation ?? 'head';
  checkOneBased(input.layer, 'layer');
  checkOneBased(input.head, 'head');
  if (aggregation !== 'all-mean' && input.layer === undefined) throw new RangeError(`attentionJson: '${aggregation}' needs a layer`);
  if (aggregation === 'head' && input.head === undefined) throw new RangeError("attentionJson: 'head' needs a head");

  const fields: [string, unknown][] = [
    ['model', input.model],
    ['revision', input.revision ?? null],
    ...(input.host ? [['host', input.host] as [string, unknown]] : []),
    ['identity', input.identity ?? null],
    ['text', { a: input.text.a, b: input.text.b ?? null }],
    ['layer', aggregation === 'all-mean' ? null : input.layer],
    ['head', aggregation === 'head' ? input.head : null],
    ['aggregation', aggregation],
    ['tokens', input.tokens],
    ['segments', Array.from(input.segments)],
  ];
  const lines = fields.map(([key, value]) => `  ${JSON.stringify(key)}: ${JSON.stringify(value)}`);
  const rows: string[] = [];
  for (let r = 0; r < size; r++) {
    const row = Array.from({ length: size }, (_, c) => Math.fround(input.matrix[r * size + c]));
    rows.push(`    ${JSON.stringify(row)}`);
  }
  lines.push(`  "matrix": [\n${rows.join(',\n')}\n  ]`);
  return `{\n${lines.join(',\n')}\n}\n`;
}

// ---------------------------------------------------------------------------------------------
// PNG

const PALETTE: number[][] = Array.from({ length: 256 }, (_, i) => [ATTENTION_LUT[i * 3], ATTENTION_LUT[i * 3 + 1], ATTENTION_LUT[i * 3 + 2]]);

/**
 * One map as a PNG, one pixel per weight (or an integer `scale`×`scale` block, for viewers that
 * blur when they enlarge). Indexed colour with the viridis palette: a third of RGB's raw size,
 * which matters when 144 of them are embedded in one SVG.
 */
export function mapPng(matrix: ArrayLike<number>, size: number, scale = 1, colorMax = 1): Uint8Array {
  checkSquare(matrix, size, 'mapPng');
  if (!Number.isInteger(scale) || scale < 1) throw new RangeError(`mapPng: scale must be a positive integer, got ${scale}`);
  checkColorMax(colorMax);
  const width = size * scale;
  const indices = new Uint8Array(width * width);
  for (let r = 0; r < size; r++) {
    const line = new Uint8Array(width);
    for (let c = 0; c < size; c++) line.fill(lutIndex(matrix[r * size + c], colorMax), c * scale, (c + 1) * scale);
    for (let k = 0; k < scale; k++) indices.set(line, (r * scale + k) * width);
  }
  return encodePng({ width, height: width, data: indices, channels: 1, depth: 8, palette: PALETTE });
}

/** Base64 without Node's Buffer, so it runs in the browser too; chunked to stay under argument limits. */
function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

// ---------------------------------------------------------------------------------------------
// SVG

/** Text and attribute values for XML: escapes markup, and replaces characters XML 1.0 forbids (even as references). */
export function xmlEscape(text: string): string {
  return text
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD')
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&apos;');
}

const FONT = 'system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif';
const TEXT_COLOUR = '#333';

/** Rough width of a label, for margins: there is no text measurement outside a browser. */
function textWidth(text: string, fontSize: number): number {
  return [...text].length * fontSize * 0.6;
}

const round2 = (x: number) => Math.round(x * 100) / 100;

function svgDocument(width: number, height: number, title: string, body: string[], namespaces = ''): string {
  const w = Math.ceil(width);
  const h = Math.ceil(height);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg"${namespaces} width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" font-family="${FONT}">`,
    `<title>${xmlEscape(title)}</title>`,
    `<rect width="${w}" height="${h}" fill="#fff"/>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

/** A vertical colour bar, discrete steps (no gradient ids that could clash when SVGs are inlined together). */
function legend(x: number, y: number, height: number, colorMax: number, fontSize: number): string[] {
  const steps = 64;
  const barWidth = 10;
  const step = height / steps;
  const out = ['<g class="legend" shape-rendering="crispEdges">'];
  for (let s = 0; s < steps; s++) {
    const colour = LUT_HEX[Math.round(((steps - 1 - s) / (steps - 1)) * 255)];
    out.push(`<rect x="${round2(x)}" y="${round2(y + s * step)}" width="${barWidth}" height="${round2(step + 0.5)}" fill="${colour}"/>`);
  }
  out.push('</g>');
  const labelX = round2(x + barWidth + 4);
  out.push(`<text x="${labelX}" y="${round2(y + fontSize * 0.8)}" font-size="${fontSize}" fill="${TEXT_COLOUR}">${formatFloat32(colorMax)}</text>`);
  out.push(`<text x="${labelX}" y="${round2(y + height)}" font-size="${fontSize}" fill="${TEXT_COLOUR}">0</text>`);
  return out;
}

export interface HeadSvgOptions {
  /** S×S, row-major (row = from, column = to). */
  matrix: ArrayLike<number>;
  tokens: string[];
  title: string;
  /** Side of one cell in px; default fits the map in about 640 px (4–24 px). */
  cellSize?: number;
  /** Per token, true to leave its row and column out (e.g. [CLS]/[SEP]); the other weights are drawn as they are. */
  hideTokens?: boolean[];
  /** Weight drawn with the top colour; default 1, the UI's scale. */
  colorMax?: number;
}

/** One head's map as a standalone SVG: one rect per cell, token labels on both axes, title and legend. */
export function headSvg({ matrix, tokens, title, cellSize, hideTokens, colorMax = 1 }: HeadSvgOptions): string {
  const size = tokens.length;
  checkSquare(matrix, size, 'headSvg');
  if (hideTokens && hideTokens.length !== size) throw new RangeError(`headSvg: ${size} tokens but ${hideTokens.length} hideTokens flags`);
  checkColorMax(colorMax);
  const shown = tokens.map((_, i) => i).filter((i) => !hideTokens?.[i]);
  const n = shown.length;
  const cell = cellSize ?? Math.max(4, Math.min(24, Math.floor(640 / Math.max(1, n))));
  const labelSize = round2(Math.min(12, cell * 0.8));
  const titleSize = 14;
  const axisSize = 11;
  const pad = 8;
  const longestLabel = Math.max(0, ...shown.map((i) => textWidth(tokens[i], labelSize)));

  // Layout: title, then [axis title "from" | row labels | map | legend], column labels below the map, axis title "to".
  const mapX = pad + axisSize + 4 + longestLabel + 4;
  const mapY = pad + titleSize + 10;
  const side = n * cell;
  const legendX = mapX + side + 12;
  const legendHeight = Math.max(side, 60);
  const width = Math.max(legendX + 10 + 4 + textWidth('0.000000', axisSize) + pad, pad + textWidth(title, titleSize) + pad);
  const height = Math.max(mapY + side + 4 + longestLabel + 4 + axisSize, mapY + legendHeight) + pad;

  const body: string[] = [];
  body.push(`<text x="${pad}" y="${pad + titleSize}" font-size="${titleSize}" font-weight="600" fill="${TEXT_COLOUR}">${xmlEscape(title)}</text>`);
  body.push(`<g class="cells" shape-rendering="crispEdges">`);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      const weight = matrix[shown[r] * size + shown[c]];
      body.push(`<rect x="${round2(mapX + c * cell)}" y="${round2(mapY + r * cell)}" width="${cell}" height="${cell}" fill="${LUT_HEX[lutIndex(weight, colorMax)]}"/>`);
    }
  }
  body.push('</g>');
  body.push(`<g class="row-labels" font-size="${labelSize}" fill="${TEXT_COLOUR}" text-anchor="end">`);
  shown.forEach((t, r) => {
    body.push(`<text x="${round2(mapX - 4)}" y="${round2(mapY + (r + 0.5) * cell)}" dominant-baseline="central">${xmlEscape(tokens[t])}</text>`);
  });
  body.push('</g>');
  // Column labels run downwards from under their column (rotated -90°, anchored at their end).
  body.push(`<g class="column-labels" font-size="${labelSize}" fill="${TEXT_COLOUR}" text-anchor="end">`);
  shown.forEach((t, c) => {
    const x = round2(mapX + (c + 0.5) * cell);
    const y = round2(mapY + side + 4);
    body.push(`<text transform="translate(${x},${y}) rotate(-90)" dominant-baseline="central">${xmlEscape(tokens[t])}</text>`);
  });
  body.push('</g>');
  const fromX = pad + axisSize;
  const fromY = round2(mapY + side / 2);
  body.push(`<text transform="translate(${fromX},${fromY}) rotate(-90)" font-size="${axisSize}" fill="#666" text-anchor="middle">from (query)</text>`);
  body.push(`<text x="${round2(mapX + side / 2)}" y="${round2(height - pad)}" font-size="${axisSize}" fill="#666" text-anchor="middle">to (key)</text>`);
  body.push(...legend(legendX, mapY, legendHeight, colorMax, axisSize));
  return svgDocument(width, height, title, body);
}

export interface GridSvgOptions {
  /** Per layer, [1, heads, S, S]. */
  attentions: Float32Array[];
  heads: number;
  seqLen: number;
  title: string;
  /** Side of one map in px; default 72, as in the on-screen grid. */
  cell?: number;
  /** Integer upscaling of each embedded PNG, for renderers that ignore image-rendering; default 1. */
  imageScale?: number;
  colorMax?: number;
}

/**
 * The whole layers × heads grid as a standalone SVG. Each map is an embedded PNG (rects would be
 * millions of elements) drawn pixelated so it stays crisp; labels "layer-head" are 1-indexed and
 * stay text. Images use `xlink:href`: SVG 1.1 renderers (older Inkscape, librsvg, PDF converters)
 * know only that, and SVG 2 renderers still accept it.
 */
export function gridSvg({ attentions, heads, seqLen, title, cell = 72, imageScale = 1, colorMax = 1 }: GridSvgOptions): string {
  const layers = attentions.length;
  const mapLength = seqLen * seqLen;
  checkColorMax(colorMax);
  attentions.forEach((layer, l) => {
    if (layer.length !== heads * mapLength) {
      throw new RangeError(`gridSvg: layer ${l + 1} has ${layer.length} weights, expected ${heads}×${seqLen}×${seqLen}`);
    }
  });
  const pad = 8;
  const gap = 4;
  const labelHeight = 14;
  const labelSize = 11;
  const titleSize = 14;
  const top = pad + titleSize + 10;
  const gridWidth = heads * (cell + gap) - gap;
  const gridHeight = layers * (cell + gap + labelHeight) - gap;
  const legendX = pad + gridWidth + 12;
  const legendHeight = Math.max(cell * 2, 60);
  const width = Math.max(legendX + 10 + 4 + textWidth('0.000000', labelSize) + pad, pad + textWidth(title, titleSize) + pad);
  const height = top + Math.max(gridHeight, labelHeight + legendHeight) + pad;

  const body: string[] = [];
  body.push(`<text x="${pad}" y="${pad + titleSize}" font-size="${titleSize}" font-weight="600" fill="${TEXT_COLOUR}">${xmlEscape(title)}</text>`);
  body.push(`<g class="maps" font-size="${labelSize}" fill="${TEXT_COLOUR}">`);
  for (let l = 0; l < layers; l++) {
    for (let h = 0; h < heads; h++) {
      const x = pad + h * (cell + gap);
      const y = top + l * (cell + gap + labelHeight);
      const png = mapPng(attentions[l].subarray(h * mapLength, (h + 1) * mapLength), seqLen, imageScale, colorMax);
      body.push(`<text x="${x}" y="${y + labelSize}">${l + 1}-${h + 1}</text>`);
      body.push(
        `<image x="${x}" y="${y + labelHeight}" width="${cell}" height="${cell}" preserveAspectRatio="none" ` +
          `image-rendering="optimizeSpeed" style="image-rendering:pixelated" xlink:href="data:image/png;base64,${toBase64(png)}"/>`,
      );
    }
  }
  body.push('</g>');
  body.push(...legend(legendX, top + labelHeight, legendHeight, colorMax, labelSize));
  return svgDocument(width, height, title, body, ' xmlns:xlink="http://www.w3.org/1999/xlink"');
}

// ---------------------------------------------------------------------------------------------
// File names and the browser side

/**
 * A file name safe on every common file system: `micro-bert-sst2_L7-H6_attention.csv`. The app's
 * `bundled:` prefix is dropped; anything outside [A-Za-z0-9._-] (the `/` of Hub ids, `@revision`,
 * spaces) becomes `-`. Layer and head are 1-indexed.
 */
export function exportFileName(parts: { model: string; layer?: number; head?: number; kind: string; ext: string }): string {
  checkOneBased(parts.layer, 'layer');
  checkOneBased(parts.head, 'head');
  const safe = (text: string) =>
    text
      .replace(/[^A-Za-z0-9._-]+/g, '-')
      .replace(/^[-.]+|[-.]+$/g, '')
      .slice(0, 100);
  const model = safe(parts.model.replace(/^bundled:/, '')) || 'model';
  const where = [parts.layer !== undefined ? `L${parts.layer}` : '', parts.head !== undefined ? `H${parts.head}` : ''].filter(Boolean).join('-');
  const ext = safe(parts.ext.replace(/^\.+/, '')) || 'txt';
  return [model, where, safe(parts.kind)].filter(Boolean).join('_') + `.${ext}`;
}

/** A canvas (the UI's labelled head or grid) as a PNG blob. */
export function canvasPng(canvas: HTMLCanvasElement): Promise<Blob> {
  return new Promise((resolve, reject) =>
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('The canvas could not be encoded as PNG.'))), 'image/png'),
  );
}

/** Saves data as a file through a temporary `<a download>`. */
export function downloadFile(fileName: string, data: Blob | string | Uint8Array, mime: string): void {
  const blob = data instanceof Blob ? data : new Blob([data as BlobPart], { type: mime });
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.style.display = 'none';
  document.body.append(link); // Firefox ignores clicks on detached links
  link.click();
  link.remove();
  // Revoking at once can cancel the download in some browsers (FileSaver.js waits 40 s for the same reason).
  setTimeout(() => URL.revokeObjectURL(url), 40_000);
}
