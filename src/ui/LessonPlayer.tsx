import type { Lesson } from './lessons';

export interface LessonPlayerProps {
  lesson: Lesson;
  index: number;
  /** A step whose model is still loading. */
  waiting: boolean;
  onGo(index: number): void;
  onExit(): void;
}

/**
 * The caption column of a lesson that plays in classroom mode: the step's caption in projector
 * type, Back / position / Next, a progress track and the keys. The keys themselves are handled by
 * the lesson controller (LessonMenu), so they work wherever the focus is.
 */
export function LessonPlayer({ lesson, index, waiting, onGo, onExit }: LessonPlayerProps) {
  const step = lesson.steps[index];
  const n = lesson.steps.length;
  if (!step) return null;
  return (
    <aside className="lesson-player" aria-label="Lesson" data-testid="lesson-player" data-step={index + 1}>
      <div className="lesson-player-top">
        <p className="lesson-player-title">{lesson.title}</p>
        <button type="button" name="lesson-exit" onClick={onExit}>
          Exit lesson
        </button>
      </div>
      {step.title && <h2 className="lesson-step-title">{step.title}</h2>}
      <p className="lesson-caption" data-testid="lesson-caption" aria-live="polite">
        {step.caption}
      </p>
      {waiting && (
        <p className="lesson-waiting" role="status" data-testid="lesson-waiting">
          Loading this step's model…
        </p>
      )}
      <ol className="lesson-outline" aria-label="Steps">
        {lesson.steps.map((s, i) => (
          <li key={i} aria-current={i === index ? 'step' : undefined}>
            <button type="button" onClick={() => onGo(i)}>
              {s.title || s.caption}
            </button>
          </li>
        ))}
      </ol>
      <div className="lesson-player-bottom">
        <div className="lesson-nav">
          <button type="button" name="lesson-back" disabled={index === 0} onClick={() => onGo(index - 1)}>
            ◀ Back
          </button>
          <span data-testid="lesson-position">
            {index + 1} / {n}
          </span>
          <button type="button" name="lesson-next" className="primary" disabled={index === n - 1} onClick={() => onGo(index + 1)}>
            Next ▶
          </button>
        </div>
        <div className="lesson-progress" role="progressbar" aria-label="Lesson progress" aria-valuemin={1} aria-valuemax={n} aria-valuenow={index + 1}>
          <div style={{ width: `${((index + 1) / n) * 100}%` }} />
        </div>
        <p className="lesson-keys">← → steps · ↑ ↓ layer · [ ] head · Esc leaves</p>
      </div>
    </aside>
  );
}
