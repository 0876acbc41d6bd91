import type { BertRunner } from './bertRunner';
import { EngineError, isEngineError } from './errors';
import type { PreparedModel } from './loadModel';

/**
 * ONNX Runtime's message in words a user can act on: the failing node's kind and name and the
 * reason, without the C++ source paths, function signatures and error codes of its build.
 */
export function plainOrtMessage(raw: string): string {
  const text = raw.replace(/\s+/g, ' ').trim();
  if (/bad_alloc|Failed to allocate|out of memory|Cannot enlarge memory|Aborted\(OOM\)|memory access out of bounds|shape is too large|Integer overflow/i.test(text)) {
    return 'the graph asks for a tensor too large to allocate';
  }
  const node = /running (\w+) node\. Name:'([^']*)'/.exec(text);
  let reason = (/Status Message: (.*)$/.exec(text)?.[1] ?? text)
    .replace(/ERROR_CODE: \d+,? ?/g, '')
    .replace(/ERROR_MESSAGE: /g, '')
    .replace(/\S*\.(cc|cpp|h|hpp|c):\d+ ?/g, '')
    .replace(/\[ONNXRuntimeError\] : \d+ : \w+ : ?/g, '')
    .replace(/(?:static |virtual )?[\w<>*&](?:[\w<>*&, ]|::)*::[\w<>~*]+\([^()]*\)(?: const)? ?/g, '')
    .replace(/[\w.<>=! ]+ was false\. ?/g, '')
    .replace(/^(failed to call OrtRun\(\)\.?|Error:) ?/i, '')
    .replace(/[ .]+$/, '')
    .trim();
  if (!reason) reason = 'an internal error';
  if (reason.length > 240) reason = `${reason.slice(0, 240)}…`;
  return node ? `its ${node[1]} node "${node[2]}" failed (${reason})` : reason;
}

/**
 * One short input through the new session before it replaces the loaded model: a model that
 * loads but cannot run (ids past its tables, a position table shorter than it says, a graph
 * that allocates absurd tensors) is refused here with a plain message, and the old one stays.
 * Its outputs must have the shapes the config implies.
 */
export async function trialRun(runner: BertRunner, prepared: Pick<PreparedModel, 'label' | 'shape' | 'head' | 'tokenizer'>): Promise<void> {
  const input = prepared.tokenizer.encode('a');
  const refuse = (why: string) =>
    new EngineError('backend', `${prepared.label} loaded, but a short test input ([CLS] a [SEP]) does not run on it: ${why}. It is not used; the model loaded before stays.`);
  let out: Awaited<ReturnType<BertRunner['run']>>;
  try {
    out = await runner.run([input], {}, { attentions: true, logits: true });
  } catch (e) {
    if (isEngineError(e)) throw refuse(e.message.replace(/\.$/, ''));
    throw refuse(plainOrtMessage((e as Error)?.message ?? String(e)));
  }
  const { heads, numLabels, vocabSize } = prepared.shape;
  const n = input.inputIds.length;
  const wrongMap = out.attentions?.findIndex((a) => a.length !== heads * n * n) ?? 0;
  if (wrongMap !== -1) throw refuse(`layer ${wrongMap}'s attention map is not ${heads} heads × ${n} × ${n}`);
  const expected = prepared.head === 'sequence-classification' ? [1, numLabels] : prepared.head === 'masked-lm' ? [1, n, vocabSize] : null;
  if (expected && String(out.logitsDims) !== String(expected)) {
    throw refuse(`its logits have shape [${out.logitsDims ?? ''}] where config.json implies [${expected}]`);
  }
}
