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
  const vocab: Record<string, number> = {};
  vocabTxt.split('\n').forEach((line, i) => {
    const token = line.replace(/\r$/, '');
    if (token.length && !(token in vocab)) vocab[token] = i;
  });
  const names = Object.fromEntries(
    Object.entries(DEFAULT_SPECIALS).map(([k, d]) => [k, specialName(specials[k] ?? config[k], d)]),
  ) as typeof DEFAULT_SPECIALS;
  for (const token of Object.values(names)) {
    if (!(token in vocab)) throw new EngineError('corrupt', `vocab.txt has no ${token} token.`);
  }
  const lowercase = config.do_lower_case !== false;
  const cls = names.cls_token;
  const sep = names.sep_token;
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: Object.values(names).map((content) => ({ id: vocab[content], content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
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
        [cls]: { id: cls, ids: [vocab[cls]], tokens: [cls] },
        [sep]: { id: sep, ids: [vocab[sep]], tokens: [sep] },
      },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: names.unk_token, continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab },
  };
}

/** A BERT tokenizer from the model's own files, through transformers.js. */
export class BertTokenizer {
  private readonly tokenizer: PreTrainedTokenizer;
  private readonly idToToken: string[];
  readonly padId: number;
  readonly maskId: number | null;
  readonly specialIds: ReadonlySet<number>;

  constructor(files: TokenizerFiles, readonly maxLength: number) {
    const config = { ...DEFAULT_SPECIALS, ...(files.specialTokensMap ?? {}), ...(files.tokenizerConfig ?? {}) };
    let json = files.tokenizerJson;
    if (!json) {
      if (files.vocabTxt === null) throw new EngineError('not-found', 'The model has neither tokenizer.json nor vocab.txt, so its text cannot be tokenized.');
      json = tokenizerJsonFromVocab(files.vocabTxt, config, files.specialTokensMap ?? {});
    }
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
  }

  get maskToken(): string | null {
    return this.tokenizer.mask_token ?? null;
  }

  /**
   * [CLS] A [SEP] (B [SEP]) with token types 0 / 1. Too long an input is cut as Hugging Face's
   * `longest_first` does: one word piece at a time from the end of the longer text.
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
        if (b && b.length > a.length) b.pop();
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
