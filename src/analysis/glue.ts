// GLUE task files: parsed by tabs only (GLUE files hold unbalanced quotes), no CSV rules.

export interface TaskExample {
  textA: string;
  textB: string | null;
  /** The gold label: a class index for classification tasks. */
  label: number;
}

export interface GlueTaskSpec {
  name: string;
  /** Column of sentence A and (for pair tasks) sentence B, and of the label, by header name. */
  textA: string;
  textB: string | null;
  label: string;
  /** Label values in output order (e.g. "0", "1"), as the file writes them. */
  labels: string[];
  /** Class names in output order, matched against a model's id2label. */
  classNames: string[];
}

export const GLUE_TASKS: Record<string, GlueTaskSpec> = {
  sst2: { name: 'SST-2', textA: 'sentence', textB: null, label: 'label', labels: ['0', '1'], classNames: ['negative', 'positive'] },
};

/** Rows of a GLUE TSV with a header line, as examples of `task`. */
export function parseGlueTsv(text: string, task: GlueTaskSpec): TaskExample[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/).filter((l) => l.length > 0);
  if (lines.length === 0) throw new Error(`The ${task.name} file is empty.`);
  const header = lines[0].split('\t').map((h) => h.trim());
  const column = (name: string) => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`The ${task.name} file has no "${name}" column (its header is: ${header.join(', ')}).`);
    return i;
  };
  const a = column(task.textA);
  const b = task.textB === null ? -1 : column(task.textB);
  const y = column(task.label);
  return lines.slice(1).map((line, i) => {
    const cells = line.split('\t');
    const label = task.labels.indexOf((cells[y] ?? '').trim());
    if (label < 0) throw new Error(`Line ${i + 2} of the ${task.name} file has the label "${cells[y] ?? ''}", not one of ${task.labels.join(', ')}.`);
    return { textA: (cells[a] ?? '').trim(), textB: b < 0 ? null : (cells[b] ?? '').trim(), label };
  });
}
