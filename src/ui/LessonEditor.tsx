import { useState } from 'react';
import { deleteStep, MAX_CAPTION, MAX_TITLE, moveStep, renameLesson, updateStep, type Lesson } from './lessons';

const CORNERS = ['bottom-right', 'bottom-left', 'top-left', 'top-right'] as const;

export interface LessonEditorProps {
  lesson: Lesson;
  /** The step being edited (the last one shown or added). */
  selected: number;
  onSelect(index: number): void;
  onChange(lesson: Lesson): void;
  /** Shows a step's view in the workspace. */
  onJump(index: number): void;
  onAddStep(): void;
  /** Replaces a step's view with the current one, keeping its caption. */
  onRetake(index: number): void;
  onPlay(): void;
  onClose(): void;
}

/** The lesson being edited, in a card in a corner of the workspace. */
export function LessonEditor(p: LessonEditorProps) {
  const [corner, setCorner] = useState(0);
  const { lesson } = p;
  const selected = Math.min(p.selected, lesson.steps.length - 1);
  const step = lesson.steps[selected];
  return (
    <section className={`lesson-editor lesson-editor-${CORNERS[corner]}`} aria-label="Lesson editor" data-testid="lesson-editor">
      <div className="lesson-editor-head">
        <label className="lesson-title-field">
          <span>Lesson title</span>
          <input name="lesson-title" value={lesson.title} maxLength={MAX_TITLE} onChange={(e) => p.onChange(renameLesson(lesson, e.target.value))} />
        </label>
        <button type="button" name="lesson-corner" aria-label="Move this card to the next corner" title="Move this card to the next corner" onClick={() => setCorner((c) => (c + 1) % CORNERS.length)}>
          ⇲
        </button>
        <button type="button" name="lesson-editor-close" aria-label="Close the lesson editor" onClick={p.onClose}>
          ×
        </button>
      </div>
      <div className="lesson-editor-body">
        <ol className="lesson-steps" aria-label="Steps">
          {lesson.steps.map((s, i) => (
            <li key={i} aria-current={i === selected ? 'step' : undefined}>
              <button type="button" className="lesson-step-jump" name={`lesson-step-${i + 1}`} onClick={() => p.onJump(i)} title={`Show step ${i + 1}: ${s.caption}`}>
                {i + 1}. {s.title || s.caption || '(no caption)'}
              </button>
              <button type="button" aria-label={`Move step ${i + 1} up`} disabled={i === 0} onClick={() => { p.onChange(moveStep(lesson, i, -1)); p.onSelect(i - 1); }}>
                ↑
              </button>
              <button type="button" aria-label={`Move step ${i + 1} down`} disabled={i === lesson.steps.length - 1} onClick={() => { p.onChange(moveStep(lesson, i, 1)); p.onSelect(i + 1); }}>
                ↓
              </button>
              <button type="button" aria-label={`Delete step ${i + 1}`} onClick={() => { p.onChange(deleteStep(lesson, i)); p.onSelect(Math.max(0, Math.min(selected, lesson.steps.length - 2))); }}>
                ✕
              </button>
            </li>
          ))}
          {!lesson.steps.length && <li className="lesson-empty">No steps yet: set up a view, then add it as a step.</li>}
        </ol>
        {step && (
          <div className="lesson-step-fields">
            <label>
              <span>Step {selected + 1} title (optional)</span>
              <input name="lesson-step-title" value={step.title} maxLength={MAX_TITLE} onChange={(e) => p.onChange(updateStep(lesson, selected, { title: e.target.value }))} />
            </label>
            <label>
              <span>
                Caption ({step.caption.length} / {MAX_CAPTION})
              </span>
              <textarea name="lesson-caption" rows={3} value={step.caption} maxLength={MAX_CAPTION} onChange={(e) => p.onChange(updateStep(lesson, selected, { caption: e.target.value }))} />
            </label>
          </div>
        )}
      </div>
      <div className="lesson-editor-actions">
        <button type="button" name="lesson-add-step" onClick={p.onAddStep}>
          Add this view as a step
        </button>
        {step && (
          <button type="button" name="lesson-retake" onClick={() => p.onRetake(selected)}>
            Use this view for step {selected + 1}
          </button>
        )}
        <button type="button" name="lesson-play" className="primary" disabled={!lesson.steps.length} onClick={p.onPlay}>
          Play from step {selected + 1}
        </button>
      </div>
    </section>
  );
}
