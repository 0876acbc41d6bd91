// A lesson: a title and an ordered list of steps, each a saved view (the permalink's state, whose
// schema urlState.ts owns) with a caption. One format serves the JSON file and the link: the link is
// the same JSON, minified, deflate-raw compressed and base64url encoded (`?lesson=`). A step's view
// is stored as the permalink's parameters that differ from the defaults, checked by the permalink's
// own parsers. Everything read from outside is bounded, so a crafted lesson cannot freeze the page.
import { defaultUrlState, URL_SCHEMA, writeUrlState, type UrlState } from './urlState';

export const LESSON_FORMAT = 'head-atlas-lesson';
export const LESSON_VERSION = 1;
export const MAX_STEPS = 60;
export const MAX_TITLE = 120;
/** About 8 lines of 35–40 characters: what the caption column shows at projector size. */
export const MAX_CAPTION = 320;
/** A lesson file or an inflated link: far above a full lesson of long sentences (60 × 4 kB texts). */
export const MAX_JSON_CHARS = 400_000;
/** The `lesson` parameter of a link; browsers accept far longer URLs, chat apps and servers do not. */
export const MAX_LINK_CHARS = 32_000;

export interface LessonStep {
  /** Optional short title ("Vertical heads"); '' when none. */
  title: string;
  caption: string;
  /** The view the step opens: a full URL state (classroom and backend stay as the viewer has them). */
  view: UrlState;
}

export interface Lesson {
  title: string;
  steps: LessonStep[];
}

export class LessonError extends Error {}

/** Parts of the URL state that belong to the viewer's device and mode, not to a step's view. */
const NOT_IN_A_STEP = new Set<keyof UrlState>(['classroom', 'backend']);
const STEP_PROPS = (Object.entries(URL_SCHEMA) as [keyof UrlState, (typeof URL_SCHEMA)[keyof UrlState]][]).filter(([name]) => !NOT_IN_A_STEP.has(name));
const PROP_BY_KEY = new Map(STEP_PROPS.map(([name, prop]) => [prop.key, { name, prop }]));

export function emptyLesson(): Lesson {
  return { title: 'Untitled lesson', steps: [] };
}

/** The view a step keeps of the current state: everything the permalink holds but the mode and device. */
export function viewOfState(state: UrlState): UrlState {
  const defaults = defaultUrlState();
  return { ...state, classroom: defaults.classroom, backend: defaults.backend };
}

/** The state that showing a step leads to: the step's view, with the viewer's mode and device kept. */
export function applyStepView(current: UrlState, view: UrlState): UrlState {
  return { ...view, classroom: current.classroom, backend: current.backend };
}

/** Whether showing `view` after `current` needs a new forward pass (another model, text or mask). */
export function needsForward(current: UrlState, view: UrlState): boolean {
  return (
    current.model !== view.model ||
    current.hubHost !== view.hubHost ||
    current.format !== view.format ||
    current.textA !== view.textA ||
    current.textB !== view.textB ||
    current.mask !== view.mask ||
    current.layersOff.join() !== view.layersOff.join() ||
    current.disableMode !== view.disableMode
  );
}

function viewToParams(view: UrlState): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(writeUrlState(viewOfState(view))));
}

function fail(message: string): never {
  throw new LessonError(message);
}

function boundedText(value: unknown, field: string, max: number, required: boolean): string {
  if (value === undefined && !required) return '';
  if (typeof value !== 'string') fail(`${field} must be text.`);
  if (value.length > max) fail(`${field} is ${value.length} characters long; at most ${max} are allowed.`);
  return value;
}

function parseView(raw: unknown, field: string): UrlState {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail(`${field} must be an object of link parameters, e.g. {"head": "2-1"}.`);
  const state = defaultUrlState() as Record<string, unknown>;
  for (const [key, value] of Object.entries(raw)) {
    const known = PROP_BY_KEY.get(key);
    if (!known) fail(`${field}.${key} is not a parameter a step can hold (known: ${[...PROP_BY_KEY.keys()].join(', ')}).`);
    if (typeof value !== 'string') fail(`${field}.${key} must be text, as in a link.`);
    const parsed = (known.prop.parse as (raw: string) => unknown)(value);
    if (parsed === null) fail(`${field}.${key}: ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)} is not a valid value.`);
    state[known.name] = parsed;
  }
  return state as UrlState;
}

/** Checks a parsed lesson object field by field; the message of the error names the first bad field. */
export function validateLesson(raw: unknown): Lesson {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail('A lesson must be a JSON object.');
  const o = raw as Record<string, unknown>;
  if (o.format !== LESSON_FORMAT) fail(`format must be "${LESSON_FORMAT}" (found ${JSON.stringify(o.format) ?? 'nothing'}).`);
  if (o.version !== LESSON_VERSION) fail(`version ${JSON.stringify(o.version) ?? '(missing)'} is not supported; this app reads version ${LESSON_VERSION}.`);
  const title = boundedText(o.title, 'title', MAX_TITLE, true);
  if (!Array.isArray(o.steps)) fail('steps must be a list.');
  if (o.steps.length > MAX_STEPS) fail(`steps has ${o.steps.length} steps; at most ${MAX_STEPS} are allowed.`);
  const steps = o.steps.map((s: unknown, i): LessonStep => {
    const field = `steps[${i + 1}]`;
    if (typeof s !== 'object' || s === null || Array.isArray(s)) fail(`${field} must be an object with a caption and a view.`);
    const step = s as Record<string, unknown>;
    return {
      title: boundedText(step.title, `${field}.title`, MAX_TITLE, false),
      caption: boundedText(step.caption, `${field}.caption`, MAX_CAPTION, true),
      view: parseView(step.view, `${field}.view`),
    };
  });
  return { title, steps };
}

/** The lesson as the plain object both the file and the link hold. */
export function lessonToObject(lesson: Lesson) {
  return {
    format: LESSON_FORMAT,
    version: LESSON_VERSION,
    title: lesson.title,
    steps: lesson.steps.map((s) => ({ ...(s.title ? { title: s.title } : {}), caption: s.caption, view: viewToParams(s.view) })),
  };
}

/** The lesson as a JSON file's text. */
export function lessonToJson(lesson: Lesson): string {
  return `${JSON.stringify(lessonToObject(lesson), null, 2)}\n`;
}

/** Reads a lesson file's text. */
export function lessonFromJson(text: string): Lesson {
  if (text.length > MAX_JSON_CHARS) fail(`The lesson file is ${text.length} characters long; at most ${MAX_JSON_CHARS} are read.`);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    fail(`The lesson is not valid JSON: ${(e as Error).message}`);
  }
  return validateLesson(raw);
}

function toBase64Url(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): Uint8Array {
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

async function readAll(stream: ReadableStream<Uint8Array>, maxBytes: number): Promise<Uint8Array> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    // A small link that inflates to megabytes (a "zip bomb") is cut off here, not read to the end.
    if (size > maxBytes) {
      void reader.cancel();
      fail(`The lesson link unpacks to more than ${maxBytes} bytes; at most that is read.`);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** The `lesson` parameter's value for a lesson: minified JSON, deflate-raw, base64url. */
export async function encodeLessonParam(lesson: Lesson): Promise<string> {
  const json = new TextEncoder().encode(JSON.stringify(lessonToObject(lesson)));
  const packed = await readAll(new Blob([json]).stream().pipeThrough(new CompressionStream('deflate-raw')), Infinity);
  const param = toBase64Url(packed);
  if (param.length > MAX_LINK_CHARS) fail(`This lesson makes a link of ${param.length} characters, more than the ${MAX_LINK_CHARS} a link may have; share it as a JSON file instead.`);
  return param;
}

/** Reads a `lesson` parameter; the error says what is wrong with it. */
export async function decodeLessonParam(param: string): Promise<Lesson> {
  if (param.length > MAX_LINK_CHARS) fail(`The lesson link is ${param.length} characters long; at most ${MAX_LINK_CHARS} are read.`);
  if (!/^[A-Za-z0-9_-]+$/.test(param)) fail('The lesson link is damaged: it has characters a lesson link never has (was it cut or changed?).');
  let bytes: Uint8Array;
  try {
    bytes = fromBase64Url(param);
  } catch {
    fail('The lesson link is damaged: it is not valid base64url (was it cut off?).');
  }
  let json: Uint8Array;
  try {
    json = await readAll(new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('deflate-raw')), MAX_JSON_CHARS);
  } catch (e) {
    if (e instanceof LessonError) throw e;
    fail('The lesson link is damaged: it does not unpack (was it cut off?).');
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(json);
  } catch {
    fail('The lesson link is damaged: it does not hold text.');
  }
  return lessonFromJson(text);
}

/** A link that opens `lesson` in this app (at `base`, the app's address without query). */
export async function lessonLink(lesson: Lesson, base: string): Promise<string> {
  return `${base}?lesson=${await encodeLessonParam(lesson)}`;
}

// Editing: each returns a new lesson, so React state and the store never share a mutable list.

export function addStep(lesson: Lesson, state: UrlState, caption = '', title = ''): Lesson {
  if (lesson.steps.length >= MAX_STEPS) fail(`A lesson has at most ${MAX_STEPS} steps.`);
  return { ...lesson, steps: [...lesson.steps, { title, caption, view: viewOfState(state) }] };
}

/** Moves step `index` by `by` places (−1 up, +1 down); out of range leaves the lesson as it is. */
export function moveStep(lesson: Lesson, index: number, by: number): Lesson {
  const to = index + by;
  if (index < 0 || index >= lesson.steps.length || to < 0 || to >= lesson.steps.length) return lesson;
  const steps = [...lesson.steps];
  const [step] = steps.splice(index, 1);
  steps.splice(to, 0, step);
  return { ...lesson, steps };
}

export function deleteStep(lesson: Lesson, index: number): Lesson {
  return { ...lesson, steps: lesson.steps.filter((_, i) => i !== index) };
}

export function updateStep(lesson: Lesson, index: number, change: Partial<LessonStep>): Lesson {
  return {
    ...lesson,
    steps: lesson.steps.map((s, i) =>
      i === index
        ? {
            ...s,
            ...change,
            ...(change.caption !== undefined ? { caption: change.caption.slice(0, MAX_CAPTION) } : {}),
            ...(change.title !== undefined ? { title: change.title.slice(0, MAX_TITLE) } : {}),
          }
        : s,
    ),
  };
}

export function renameLesson(lesson: Lesson, title: string): Lesson {
  return { ...lesson, title: title.slice(0, MAX_TITLE) };
}

/** Whether two lessons hold the same title and steps (as their files would). */
export function sameLesson(a: Lesson, b: Lesson): boolean {
  return JSON.stringify(lessonToObject(a)) === JSON.stringify(lessonToObject(b));
}
