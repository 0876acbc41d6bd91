/**
 * A button that opens one text file from the user's disk and hands its text to `onText`; an error
 * thrown there becomes a message naming the file. The input is reset, so the same file can be
 * opened again.
 */
export function TextFileButton({ label, name, accept, disabled, onText, onError }: { label: string; name: string; accept: string; disabled?: boolean; onText(text: string, fileName: string): void; onError(message: string): void }) {
  return (
    <label className="file-button" aria-disabled={disabled}>
      {label}
      <input
        type="file"
        name={name}
        disabled={disabled}
        accept={accept}
        onChange={async (e) => {
          const input = e.target;
          const file = input.files?.[0];
          if (!file) return;
          try {
            onText(await file.text(), file.name);
          } catch (err) {
            onError(`${file.name}: ${(err as Error).message}`);
          } finally {
            input.value = '';
          }
        }}
      />
    </label>
  );
}
