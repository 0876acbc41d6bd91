import { PreTrainedTokenizer } from '@huggingface/transformers';
import { EngineError } from './errors';

export interface Encoding {
  inputIds: number[];
  tokenTypeIds: number[];
  tokens: string[];
  /** Set when the input was longer than the model takes: how many tokens it had and how many were kept. */
  truncated: { from: number; to: number } | null;
}

export interface TokenizerFiles {
  tokenizerJson: unknown | null;
  vocabTxt: string | null;
  tokenizerConfig: Record<string, unknown> | null;
  specialTokensMap: Record<string, unknown> | null;
}

const DEFAULT_SPECIALS = { unk_token: '[UNK]', sep_token: '[SEP]', pad_token: '[PAD]', cls_token: '[CLS]', mask_token: '[MASK]' };

function specialName(value: unknown, fallback: string): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof (value as { content?: unknown }).content === 'string') return (value as { content: string }).content;
  return fallback;
}

/** The tokenizer.json a Hugging Face BertTokenizerFast would write for a `vocab.txt` (older repos ship only that). */
export function tokenizerJsonFromVocab(vocabTxt: string, config: Record<string, unknown>, specials: Record<string, unknown>): unknown {
  // A Map, not an object: "constructor" or "__proto__" are words of the vocabulary like any other.
  const ids = new Map<string, number>();
  vocabTxt.split('\n').forEach((line, i) => {
    const token = line.replace(/\r$/, '');
    if (token.length && !ids.has(token)) ids.set(token, i);
  });
  // Object.fromEntries defines own properties (as JSON.parse does for tokenizer.json), "__proto__" included.
  const vocab: Record<string, number> = Object.fromEntries(ids);
  const names = Object.fromEntries(
    Object.entries(DEFAULT_SPECIALS).map(([k, d]) => [k, specialName(specials[k] ?? config[k], d)]),
  ) as typeof DEFAULT_SPECIALS;
  for (const token of Object.values(names)) {
    if (!ids.has(token)) throw new EngineError('corrupt', `vocab.txt has no ${token} token.`);
  }
  const lowercase = config.do_lower_case !== false;
  const cls = names.cls_token;
  const sep = names.sep_token;
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: Object.values(names).map((content) => ({ id: ids.get(content), content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: cls, type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: sep, type_id: 0 } }],
      pair: [
        { SpecialToken: { id: cls, type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: sep, type_id: 0 } },
        { Sequence: { id: 'B', type_id: 1 } },
        { SpecialToken: { id: sep, type_id: 1 } },
      ],
      special_tokens: {
        [cls]: { id: cls, ids: [ids.get(cls)], tokens: [cls] },
        [sep]: { id: sep, ids: [ids.get(sep)], tokens: [sep] },
      },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: names.unk_token, continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab },
  };
}

const isId = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/**
 * Checks the parts of a tokenizer.json that transformers.js trusts, so a crafted file gets a
 * message naming the field instead of a TypeError from inside the library.
 */
export function checkTokenizerJson(json: unknown): void {
  const bad = (why: string) => new EngineError('corrupt', `tokenizer.json ${why}.`);
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw bad('is not a JSON object');
  const { model, added_tokens: added } = json as { model?: unknown; added_tokens?: unknown };
  if (!model || typeof model !== 'object' || Array.isArray(model)) throw bad('has no "model" object');
  const { type, vocab, unk_token: unk, merges } = model as { type?: unknown; vocab?: unknown; unk_token?: unknown; merges?: unknown };
  // Hugging Face writes BERT's WordPiece model without a "type"; BPE has merges, Unigram a vocab list.
  if ((type !== undefined && type !== 'WordPiece') || (type === undefined && merges !== undefined)) {
    throw bad(`has a ${JSON.stringify(type ?? 'BPE')} model; BERT's tokenizer is WordPiece`);
  }
  if (!vocab || typeof vocab !== 'object' || Array.isArray(vocab)) throw bad('has no "model.vocab" object (token → id)');
  for (const [token, id] of Object.entries(vocab)) {
    if (!isId(id)) throw bad(`gives the token ${JSON.stringify(token).slice(0, 40)} the id ${JSON.stringify(id)}, not a non-negative integer`);
  }
  if (typeof unk !== 'string') throw bad('has no "model.unk_token" string');
  if (added !== undefined && added !== null) {
    if (!Array.isArray(added)) throw bad('has "added_tokens" that is not a list');
    for (const t of added as unknown[]) {
      const { id, content } = (t ?? {}) as { id?: unknown; content?: unknown };
      if (!isId(id) || typeof content !== 'string') throw bad('has an added token without an integer "id" and a string "content"');
    }
  }
}

/** Special tokens and settings in tokenizer_config.json / special_tokens_map.json must be strings (or {content: string}). */
function checkSpecialTokens(config: Record<string, unknown>, file: string): void {
  for (const [key, value] of Object.entries(config)) {
    if (!key.endsWith('_token') || value === null) continue;
    const ok = typeof value === 'string' || (value && typeof value === 'object' && typeof (value as { content?: unknown }).content === 'string');
    if (!ok) throw new EngineError('corrupt', `${file}'s "${key}" is ${JSON.stringify(value)?.slice(0, 40)}, not a token (a string).`);
  }
  const extra = config.additional_special_tokens;
  if (extra !== undefined && extra !== null && (!Array.isArray(extra) || !extra.every((t) => typeof t === 'string' || typeof (t as { content?: unknown })?.content === 'string'))) {
    throw new EngineError('corrupt', `${file}'s "additional_special_tokens" is not a list of tokens.`);
  }
}

/** A BERT tokenizer from the model's own files, through transformers.js. */
export class BertTokenizer {
  private readonly tokenizer: PreTrainedTokenizer;
  private readonly idToToken: string[];
  readonly padId: number;
  readonly maskId: number | null;
  readonly specialIds: ReadonlySet<number>;

  constructor(files: TokenizerFiles, readonly maxLength: number) {
    for (const [file, json] of [['special_tokens_map.json', files.specialTokensMap], ['tokenizer_config.json', files.tokenizerConfig]] as const) {
      if (json === null) continue;
      if (typeof json !== 'object' || Array.isArray(json)) throw new EngineError('corrupt', `${file} is not a JSON object.`);
      checkSpecialTokens(json, file);
    }
    const config = { ...DEFAULT_SPECIALS, ...(files.specialTokensMap ?? {}), ...(files.tokenizerConfig ?? {}) };
    let json = files.tokenizerJson;
    if (!json) {
      if (files.vocabTxt === null) throw new EngineError('not-found', 'The model has neither tokenizer.json nor vocab.txt, so its text cannot be tokenized.');
      json = tokenizerJsonFromVocab(files.vocabTxt, config, files.specialTokensMap ?? {});
    }
    checkTokenizerJson(json);
    try {
      this.tokenizer = new PreTrainedTokenizer(json, config);
    } catch (e) {
      throw new EngineError('corrupt', `The tokenizer files could not be read: ${(e as Error).message}`);
    }
    this.idToToken = [];
    for (const [token, id] of this.tokenizer.get_vocab()) this.idToToken[id] = token;
    this.padId = this.tokenizer.pad_token_id ?? 0;
    this.maskId = this.tokenizer.mask_token_id ?? null;
    this.specialIds = new Set(this.tokenizer.all_special_ids);
    // A short text through every step, so a tokenizer that cannot encode is refused at load, not on the first run.
    try {
      this.encode('a', 'b');
    } catch (e) {
      if (e instanceof EngineError) throw e;
      throw new EngineError('corrupt', `The tokenizer files could not tokenize a short text: ${(e as Error).message}. Check tokenizer.json and tokenizer_config.json.`);
    }
  }

  get maskToken(): string | null {
    return this.tokenizer.mask_token ?? null;
  }

  /** The largest token id the tokenizer can produce (its vocabulary and special tokens). */
  get maxId(): number {
    let max = this.idToToken.length - 1;
    for (const id of this.specialIds) max = Math.max(max, id);
    return max;
  }

  /**
   * [CLS] A [SEP] (B [SEP]) with token types 0 / 1. Too long an input is cut as Hugging Face's
   * `longest_first` (and BERT's `_truncate_seq_pair`) does: one word piece at a time from the end
   * of the longer text, and from B when they are as long.
   */
  encode(textA: string, textB: string | null = null): Encoding {
    const pieces = (text: string) => this.tokenizer.encode(text, { add_special_tokens: false });
    const a = pieces(textA);
    const b = textB === null ? null : pieces(textB);
    const specials = b ? 3 : 2;
    const from = a.length + (b?.length ?? 0) + specials;
    let truncated: Encoding['truncated'] = null;
    if (from > this.maxLength) {
      const budget = Math.max(0, this.maxLength - specials);
      while (a.length + (b?.length ?? 0) > budget) {
        if (b && b.length >= a.length) b.pop();
        else a.pop();
      }
      truncated = { from, to: a.length + (b?.length ?? 0) + specials };
    }
    const cls = this.clsId;
    const sep = this.tokenizer.sep_token_id;
    if (typeof cls !== 'number' || typeof sep !== 'number') throw new EngineError('corrupt', 'The tokenizer has no [CLS] or [SEP] token.');
    const inputIds = [cls, ...a, sep, ...(b ? [...b, sep] : [])];
    const tokenTypeIds = inputIds.map((_, i) => (i < a.length + 2 ? 0 : 1));
    return { inputIds, tokenTypeIds, tokens: inputIds.map((id) => this.tokenOf(id)), truncated };
  }

  private get clsId(): number {
    return this.tokenizer.convert_tokens_to_ids(this.tokenizer.config.cls_token ?? '[CLS]') as number;
  }

  tokenOf(id: number): string {
    return this.idToToken[id] ?? `[${id}]`;
  }
}
