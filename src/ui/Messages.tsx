export interface Message {
  id: number;
  kind: 'error' | 'notice';
  text: string;
}

/** Errors and notices, each dismissible; text is rendered as text, never as markup. */
export function Messages({ messages, onDismiss }: { messages: Message[]; onDismiss: (id: number) => void }) {
  if (!messages.length) return null;
  return (
    <ul className="messages" aria-live="polite">
      {messages.map((m) => (
        <li key={m.id} className={`message message-${m.kind}`} role={m.kind === 'error' ? 'alert' : 'status'}>
          <span>{m.text}</span>
          <button type="button" aria-label="Dismiss" onClick={() => onDismiss(m.id)}>
            ×
          </button>
        </li>
      ))}
    </ul>
  );
}
