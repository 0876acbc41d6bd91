import { useEffect, useState, type DragEvent } from 'react';
import { WEIGHT_CHOICES, type WeightChoice } from './modelText';

/** Models of the paper on the Hub, offered as suggestions (they download on Load). */
const HUB_MODELS = [
  { id: 'google-bert/bert-base-uncased', title: 'bert-base-uncased (Hub, 440 MB)' },
  ...['SST-2', 'MRPC', 'STS-B', 'QQP', 'RTE', 'QNLI', 'MNLI'].map((task) => ({
    id: `textattack/bert-base-uncased-${task}`,
    title: `bert-base-uncased fine-tuned on ${task} (Hub, textattack, 440 MB)`,
  })),
];

export interface BundledModel {
  name: string;
  title: string;
  description: string;
}

interface Props {
  modelText: string;
  hubHost: string;
  format: WeightChoice;
  busy: boolean;
  onLoad(modelText: string, hubHost: string, format: WeightChoice): void;
  onFiles(label: string, files: { path: string; blob: Blob }[], format: WeightChoice): void;
  /** Removes the named Hub model's downloaded files from the browser's cache. */
  onRemoveCache(modelText: string, hubHost: string): void;
}

/** Where the model comes from: a bundled model, a Hub id (any Hub-layout host), or a local folder. */
export function ModelPanel({ modelText, hubHost, format, busy, onLoad, onFiles, onRemoveCache }: Props) {
  const [text, setText] = useState(modelText);
  const [host, setHost] = useState(hubHost);
  const [fmt, setFmt] = useState(format);
  const [bundled, setBundled] = useState<BundledModel[]>([]);
  const [dragging, setDragging] = useState(false);
  useEffect(() => setText(modelText), [modelText]);
  useEffect(() => {
    fetch(new URL('models/index.json', document.baseURI))
      .then((r) => (r.ok ? r.json() : []))
      .then(setBundled)
      .catch(() => setBundled([]));
  }, []);

  const pickFiles = (list: FileList | null) => {
    if (!list?.length) return;
    const files = [...list].map((f) => ({ path: f.webkitRelativePath || f.name, blob: f as Blob }));
    const top = files[0].path.includes('/') ? files[0].path.split('/')[0] : 'local files';
    onFiles(top, files, fmt);
  };
  const onDrop = async (e: DragEvent) => {
    e.preventDefault();
    setDragging(false);
    pickFiles(e.dataTransfer.files);
  };

  return (
    <form
      className={`model-panel${dragging ? ' dragging' : ''}`}
      onSubmit={(e) => {
        e.preventDefault();
        onLoad(text.trim(), host.trim(), fmt);
      }}
      onDragOver={(e) => {
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={onDrop}
    >
      <label>
        <span className="label-text">Model</span>
        <input
          name="model"
          list="bundled-models"
          value={text}
          onChange={(e) => setText(e.target.value)}
          placeholder="owner/name@revision or bundled:name"
          spellCheck={false}
          size={26}
        />
        <datalist id="bundled-models">
          {bundled.map((m) => (
            <option key={m.name} value={`bundled:${m.name}`}>
              {m.title}
            </option>
          ))}
          {HUB_MODELS.map((m) => (
            <option key={m.id} value={m.id}>
              {m.title}
            </option>
          ))}
        </datalist>
      </label>
      <label>
        <span className="label-text">Weights</span>
        <select name="format" title="Weights: which file and precision to load" value={fmt} onChange={(e) => setFmt(e.target.value as WeightChoice)}>
          {Object.entries(WEIGHT_CHOICES).map(([value, choice]) => (
            <option key={value} value={value}>
              {choice.label}
            </option>
          ))}
        </select>
      </label>
      <button type="submit" disabled={busy}>
        Load
      </button>
      <details className="hub-host menu">
        <summary title="Hub host, or a model folder from your disk">More…</summary>
        <div className="menu-list">
          <label>
            Hub host
            <input name="hub-host" value={host} onChange={(e) => setHost(e.target.value)} spellCheck={false} size={28} />
          </label>
          <label className="file-button">
            Open a model folder…
            <input
              type="file"
              name="folder"
              // @ts-expect-error: webkitdirectory is not in React's types
              webkitdirectory=""
              multiple
              onChange={(e) => pickFiles(e.target.files)}
            />
          </label>
          <span className="hint">or drop model files on this bar</span>
          {text.trim() && !text.trim().startsWith('bundled:') && (
            <button type="button" className="remove-cache" disabled={busy} title="Delete this Hub model's downloaded files from the browser; the next load downloads them again" onClick={() => onRemoveCache(text.trim(), host.trim())}>
              Remove cached files
            </button>
          )}
        </div>
      </details>
    </form>
  );
}
