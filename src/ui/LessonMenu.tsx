import { useCallback, useEffect, useLayoutEffect, useRef, useState, type Dispatch, type SetStateAction } from 'react';
import { createPortal } from 'react-dom';
import { downloadFile } from './exporters';
import { LessonEditor } from './LessonEditor';
import { LessonPlayer } from './LessonPlayer';
import { loadLessons, saveLessons } from './lessonStore';
import { addStep, applyStepView, decodeLessonParam, emptyLesson, lessonFromJson, lessonLink, lessonToJson, sameLesson, updateStep, viewOfState, type Lesson } from './lessons';
import { TextFileButton } from './TextFileButton';
import { checkAgainstShape, type UrlState } from './urlState';
import './lessons.css';

export interface ModelShape {
  layers: number;
  heads: number;
}

export interface LessonsProps {
  state: UrlState;
  setState: Dispatch<SetStateAction<UrlState>>;
  report(text: string, kind?: 'error' | 'notice'): void;
  /** The loaded model's shape; null until one has loaded. */
  shape: ModelShape | null;
  /** Loads a model as the model bar does; resolves to its shape, or null where it did not load (the engine has said why). */
  loadModel(modelText: string, hubHost: string, format: UrlState['format']): Promise<ModelShape | null>;
}

interface ExampleLesson {
  file: string;
  title: string;
  description: string;
}

/** The `lesson` parameter the page was opened with, read before the page rewrites its URL. */
function linkParam(): string | null {
  return new URLSearchParams(window.location.search).get('lesson');
}

function fileName(title: string): string {
  const slug = title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 60);
  return `${slug || 'lesson'}.lesson.json`;
}

/**
 * Lessons: the header's Lessons menu, and the editor card and the player it opens. It owns the
 * lesson being edited (kept in IndexedDB) and, while one plays, the keys ← → PageUp PageDown Home
 * End (steps) and [ ] (head in the layer); ↑ ↓ (layer) and Esc (leave) stay with classroom mode.
 */
export function Lessons({ state, setState, report, shape, loadModel }: LessonsProps) {
  const [opened] = useState(linkParam);
  const [lesson, setLesson] = useState<Lesson>(emptyLesson);
  const [previous, setPrevious] = useState<Lesson | null>(null);
  const [ready, setReady] = useState(false);
  // Classroom mode's caption column, where a playing lesson shows its caption and step controls.
  const [captionSlot, setCaptionSlot] = useState<HTMLElement | null>(null);
  useLayoutEffect(() => setCaptionSlot(state.classroom ? document.getElementById('lesson-caption-slot') : null));
  const [editing, setEditing] = useState(false);
  const [selected, setSelected] = useState(0);
  const [playing, setPlaying] = useState<number | null>(null);
  const [pending, setPending] = useState<number | null>(null);
  const [waiting, setWaiting] = useState(false);
  const [shareLink, setShareLink] = useState('');
  const [examples, setExamples] = useState<ExampleLesson[] | null>(null);
  const menuRef = useRef<HTMLDetailsElement>(null);
  const lessonRef = useRef(lesson);
  lessonRef.current = lesson;
  const stateRef = useRef(state);
  stateRef.current = state;
  const shapeRef = useRef(shape);
  shapeRef.current = shape;
  const showToken = useRef(0);
  const saveFailed = useRef(false);
  // What the store holds (as read, or as last written): the lesson read at start is not written back.
  const inStore = useRef<{ current: unknown; previous: unknown } | null>(null);

  /** Makes `next` the lesson being edited; a different one with steps is kept as the previous lesson. */
  const adopt = useCallback(
    (next: Lesson, current: Lesson) => {
      if (current.steps.length && !sameLesson(current, next)) {
        setPrevious(current);
        report(`Your lesson "${current.title}" (${current.steps.length} steps) is kept: Lessons ▸ Restore previous lesson brings it back.`, 'notice');
      }
      setLesson(next);
      setSelected(0);
      setShareLink('');
    },
    [report],
  );

  const play = useCallback(
    (index: number) => {
      setState((s) => ({ ...s, classroom: true }));
      setPlaying(index);
      setPending(index);
      setEditing(false);
    },
    [setState],
  );

  // The stored lesson, then a lesson the link carries (which plays at once).
  useEffect(() => {
    let live = true;
    void (async () => {
      const stored = await loadLessons();
      if (!live) return;
      let current = stored.current ?? emptyLesson();
      setPrevious(stored.previous);
      if (opened !== null) {
        try {
          const fromLink = await decodeLessonParam(opened);
          if (!live) return;
          adopt(fromLink, current);
          current = fromLink;
          if (fromLink.steps.length) play(0);
          else report(`The lesson "${fromLink.title}" from the link has no steps yet.`, 'notice');
        } catch (e) {
          if (!live) return;
          report(`The lesson link could not be opened: ${(e as Error).message} The app opened without it.`);
        }
      }
      setLesson(current);
      inStore.current = { current: opened === null ? current : null, previous: stored.previous };
      setReady(true);
    })();
    return () => {
      live = false;
    };
  }, []);

  // Every change is stored; a failed save is reported once, and the lesson stays on the page.
  useEffect(() => {
    if (!ready || (inStore.current?.current === lesson && inStore.current.previous === previous)) return;
    inStore.current = { current: lesson, previous };
    saveLessons({ current: lesson, previous }).then(
      () => (saveFailed.current = false),
      (e) => {
        if (saveFailed.current) return;
        saveFailed.current = true;
        report(`Your lesson could not be saved in this browser (${(e as Error).message}). It stays on this page until it closes; Export JSON keeps it.`);
      },
    );
  }, [lesson, previous, ready]);

  /** Shows step `index`: its view, loading its model first where it names another one. */
  const show = useCallback(
    async (index: number) => {
      const step = lessonRef.current.steps[index];
      if (!step) return;
      const token = ++showToken.current;
      const current = stateRef.current;
      let view = step.view;
      let fit = shapeRef.current;
      if (view.model !== current.model || view.hubHost !== current.hubHost || view.format !== current.format) {
        setWaiting(true);
        const loaded = await loadModel(view.model, view.hubHost, view.format);
        if (token !== showToken.current) return;
        setWaiting(false);
        if (loaded) fit = loaded;
        else {
          report(`Step ${index + 1} is meant for ${view.model}, which did not load; its view is shown on ${current.model} instead.`, 'notice');
          view = { ...view, model: current.model, hubHost: current.hubHost, format: current.format };
        }
      }
      const next = applyStepView(stateRef.current, view);
      const checked = fit ? checkAgainstShape(next, fit.layers, fit.heads) : { state: next, problems: [] };
      for (const p of checked.problems) report(`Step ${index + 1}: ${p}`, 'notice');
      setState(checked.state);
    },
    [loadModel, report, setState],
  );

  // A step is shown once a model has loaded (the page's first model, when opened from a link).
  useEffect(() => {
    if (pending === null || !shape || !ready) return;
    setPending(null);
    void show(pending);
  }, [pending, shape, ready, show]);

  const go = useCallback(
    (index: number) => {
      if (index < 0 || index >= lessonRef.current.steps.length) return;
      setPlaying(index);
      void show(index);
    },
    [show],
  );

  // Leaving classroom mode (Esc, its button) ends the lesson.
  useEffect(() => {
    if (playing !== null && !state.classroom && pending === null) {
      setPlaying(null);
      setWaiting(false);
      showToken.current++;
    }
  }, [state.classroom, playing, pending]);

  // While a lesson plays, ← → PageUp PageDown Home End move between steps and [ ] between the
  // heads of a layer. Captured before classroom mode's own keys, which keep ↑ ↓ and Esc.
  useEffect(() => {
    if (playing === null) return;
    const onKey = (e: KeyboardEvent) => {
      if ((e.target as HTMLElement).closest?.('input, textarea, select')) return;
      const last = lessonRef.current.steps.length - 1;
      const to = ({ ArrowRight: playing + 1, PageDown: playing + 1, ArrowLeft: playing - 1, PageUp: playing - 1, Home: 0, End: last } as Record<string, number>)[e.key];
      if (to !== undefined) {
        e.preventDefault();
        e.stopImmediatePropagation();
        if (to !== playing) go(Math.max(0, Math.min(last, to)));
        return;
      }
      if ((e.key === '[' || e.key === ']') && shapeRef.current) {
        e.preventDefault();
        e.stopImmediatePropagation();
        const heads = shapeRef.current.heads;
        const by = e.key === ']' ? 1 : -1;
        setState((s) => {
          const at = s.head ?? { layer: 1, head: 1 };
          return { ...s, head: { layer: at.layer, head: Math.max(1, Math.min(heads, at.head + by)) } };
        });
      }
    };
    window.addEventListener('keydown', onKey, { capture: true });
    return () => window.removeEventListener('keydown', onKey, { capture: true });
  }, [playing, go, setState]);

  const closeMenu = () => {
    if (menuRef.current) menuRef.current.open = false;
  };

  const addThisView = () => {
    try {
      const next = addStep(lesson, state);
      setLesson(next);
      setSelected(next.steps.length - 1);
      setEditing(true);
    } catch (e) {
      report((e as Error).message);
    }
  };

  const copyLessonLink = async () => {
    let link: string;
    try {
      link = await lessonLink(lesson, `${window.location.origin}${window.location.pathname}`);
    } catch (e) {
      return report((e as Error).message);
    }
    setShareLink(link);
    try {
      await navigator.clipboard.writeText(link);
      report(`Lesson link copied (${link.length} characters): it opens "${lesson.title}" and plays it.`, 'notice');
    } catch {
      report('The browser did not let the page copy the link; it is shown in the Lessons menu to copy by hand.', 'notice');
    }
  };

  const openExample = async (example: ExampleLesson) => {
    closeMenu();
    try {
      const response = await fetch(new URL(`lessons/${example.file}`, document.baseURI));
      if (!response.ok) throw new Error(`the server answered ${response.status}`);
      const next = lessonFromJson(await response.text());
      adopt(next, lessonRef.current);
      lessonRef.current = next;
      play(0);
    } catch (e) {
      report(`The example lesson ${example.file} could not be opened: ${(e as Error).message}`);
    }
  };

  const loadExamples = () => {
    if (examples) return;
    fetch(new URL('lessons/index.json', document.baseURI))
      .then((r) => (r.ok ? r.json() : Promise.reject(new Error(`the server answered ${r.status}`))))
      .then((list: ExampleLesson[]) => setExamples(list))
      .catch((e) => report(`The example lessons could not be listed: ${(e as Error).message}`));
  };

  const n = lesson.steps.length;
  return (
    <>
      <details className="lesson-menu" ref={menuRef} onToggle={(e) => (e.currentTarget.open ? loadExamples() : setShareLink(''))}>
        <summary>Lessons</summary>
        <div className="lesson-menu-items">
          <p className="lesson-menu-current">
            {lesson.title} · {n} {n === 1 ? 'step' : 'steps'}
          </p>
          <button type="button" name="lesson-menu-play" disabled={!n || !ready} onClick={() => { closeMenu(); play(0); }}>
            Play
          </button>
          <button type="button" name="lesson-menu-add" disabled={!ready} onClick={() => { closeMenu(); addThisView(); }}>
            Add this view as a step
          </button>
          <button type="button" name="lesson-menu-edit" disabled={!ready} onClick={() => { closeMenu(); setState((s) => ({ ...s, classroom: false })); setEditing(true); }}>
            Edit
          </button>
          <button type="button" name="lesson-menu-export" disabled={!n} onClick={() => { closeMenu(); downloadFile(fileName(lesson.title), lessonToJson(lesson), 'application/json'); }}>
            Export JSON
          </button>
          <TextFileButton
            label="Import JSON"
            name="lesson-import"
            accept=".json,application/json"
            disabled={!ready}
            onText={(text, file) => {
              const next = lessonFromJson(text);
              closeMenu();
              adopt(next, lessonRef.current);
              setEditing(true);
              report(`Opened the lesson "${next.title}" (${next.steps.length} steps) from ${file}.`, 'notice');
            }}
            onError={report}
          />
          <button type="button" name="lesson-menu-link" disabled={!n} onClick={() => void copyLessonLink()}>
            Copy lesson link
          </button>
          {shareLink && (
            <label className="lesson-share">
              <span>Lesson link ({shareLink.length} characters)</span>
              <input name="lesson-link" readOnly value={shareLink} onFocus={(e) => e.currentTarget.select()} />
            </label>
          )}
          {previous && (
            <button
              type="button"
              name="lesson-menu-restore"
              onClick={() => {
                closeMenu();
                const back = previous;
                setPrevious(lesson.steps.length ? lesson : null);
                setLesson(back);
                setSelected(0);
              }}
            >
              Restore previous lesson ("{previous.title}")
            </button>
          )}
          <button type="button" name="lesson-menu-new" disabled={!n} onClick={() => { closeMenu(); adopt(emptyLesson(), lesson); setEditing(true); }}>
            New lesson
          </button>
          <p className="lesson-menu-heading">Example lessons</p>
          {examples === null && <p className="lesson-menu-note">loading…</p>}
          {examples?.map((x) => (
            <button key={x.file} type="button" name={`lesson-example-${x.file.replace(/\.json$/, '')}`} title={x.description} onClick={() => void openExample(x)}>
              {x.title}
              <small>{x.description}</small>
            </button>
          ))}
        </div>
      </details>
      {editing && !state.classroom && (
        <LessonEditor
          lesson={lesson}
          selected={selected}
          onSelect={setSelected}
          onChange={setLesson}
          onJump={(i) => {
            setSelected(i);
            void show(i);
          }}
          onAddStep={addThisView}
          onRetake={(i) => setLesson(updateStep(lesson, i, { view: viewOfState(state) }))}
          onPlay={() => play(Math.min(selected, n - 1))}
          onClose={() => setEditing(false)}
        />
      )}
      {playing !== null &&
        state.classroom &&
        captionSlot &&
        createPortal(<LessonPlayer lesson={lesson} index={playing} waiting={waiting} onGo={go} onExit={() => setState((s) => ({ ...s, classroom: false }))} />, captionSlot)}
    </>
  );
}
