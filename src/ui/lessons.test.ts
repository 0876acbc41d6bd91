import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  addStep,
  applyStepView,
  decodeLessonParam,
  deleteStep,
  emptyLesson,
  encodeLessonParam,
  lessonFromJson,
  lessonToJson,
  lessonToObject,
  MAX_CAPTION,
  MAX_JSON_CHARS,
  MAX_LINK_CHARS,
  MAX_STEPS,
  moveStep,
  needsForward,
  renameLesson,
  sameLesson,
  updateStep,
  validateLesson,
  type Lesson,
} from './lessons';
import { defaultUrlState, type UrlState } from './urlState';

const base = defaultUrlState();
const view = (over: Partial<UrlState>): UrlState => ({ ...base, ...over });

function threeSteps(): Lesson {
  let l = renameLesson(emptyLesson(), 'Dark secrets, small model');
  l = addStep(l, view({ head: { layer: 1, head: 1 } }), 'Layer 1: heads attend to the previous token', 'Previous token');
  l = addStep(l, view({ head: { layer: 2, head: 3 }, view: 'lines' }), 'Most weight goes to [SEP]');
  l = addStep(l, view({ textA: 'a cat sat .', mask: '4x4.AQ', panel: 'masking', model: 'textattack/bert-base-uncased-SST-2@refs/pr/2' }), 'Turn head 1-1 off');
  return l;
}

async function pack(text: string): Promise<string> {
  const stream = new Blob([new TextEncoder().encode(text)]).stream().pipeThrough(new CompressionStream('deflate-raw'));
  const bytes = new Uint8Array(await new Response(stream).arrayBuffer());
  return Buffer.from(bytes).toString('base64url');
}

describe('lessons', () => {
  it('round-trips through the JSON file and the link, steps in order', async () => {
    const lesson = threeSteps();
    expect(lessonFromJson(lessonToJson(lesson))).toEqual(lesson);
    const param = await encodeLessonParam(lesson);
    expect(param).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(await decodeLessonParam(param)).toEqual(lesson);
  });

  it('stores each step as its differences from the default view, without mode or device', () => {
    const lesson = addStep(emptyLesson(), view({ head: { layer: 2, head: 1 }, classroom: true, backend: 'wasm' }), 'c');
    const file = lessonToObject(lesson);
    expect(file.format).toBe('head-atlas-lesson');
    expect(file.version).toBe(1);
    expect(file.steps[0].view).toEqual({ head: '2-1' });
    expect(lesson.steps[0].view.classroom).toBe(false);
    // Showing a step keeps the viewer's mode and backend.
    const shown = applyStepView(view({ classroom: true, backend: 'webgpu' }), lesson.steps[0].view);
    expect(shown).toEqual(view({ head: { layer: 2, head: 1 }, classroom: true, backend: 'webgpu' }));
  });

  it('keeps a link short: 8 steps on one sentence fit in well under 1,000 characters', async () => {
    let l = emptyLesson();
    for (let i = 0; i < 8; i++) l = addStep(l, view({ head: { layer: 1 + (i % 4), head: 1 + i } }), `Step ${i + 1}: the heads of layer ${1 + (i % 4)} look at the previous token.`);
    const param = await encodeLessonParam(l);
    expect(param.length).toBeLessThan(1000);
  });

  it('edits: move up and down, delete, update caption and title within bounds', () => {
    const l = threeSteps();
    const captions = (x: Lesson) => x.steps.map((s) => s.caption.slice(0, 8));
    expect(captions(moveStep(l, 2, -1))).toEqual(['Layer 1:', 'Turn hea', 'Most wei']);
    expect(captions(moveStep(l, 0, 1))).toEqual(['Most wei', 'Layer 1:', 'Turn hea']);
    expect(moveStep(l, 0, -1)).toBe(l);
    expect(moveStep(l, 2, 1)).toBe(l);
    expect(captions(deleteStep(l, 1))).toEqual(['Layer 1:', 'Turn hea']);
    const edited = updateStep(l, 1, { caption: 'x'.repeat(MAX_CAPTION + 50), title: 'Vertical' });
    expect(edited.steps[1].caption).toHaveLength(MAX_CAPTION);
    expect(edited.steps[1].title).toBe('Vertical');
    expect(l.steps[1].title).toBe('');
    expect(sameLesson(l, threeSteps())).toBe(true);
    expect(sameLesson(l, edited)).toBe(false);
    let full = emptyLesson();
    for (let i = 0; i < MAX_STEPS; i++) full = addStep(full, base);
    expect(() => addStep(full, base)).toThrow(`at most ${MAX_STEPS} steps`);
  });

  it('needs a forward pass only when the model, text or masks change', () => {
    const at = view({ head: { layer: 1, head: 1 } });
    expect(needsForward(at, view({ head: { layer: 3, head: 2 }, view: 'lines', panel: 'drift', hide: ['cls'] }))).toBe(false);
    expect(needsForward(at, view({ textA: 'another sentence .' }))).toBe(true);
    expect(needsForward(at, view({ mask: '4x4.AQ' }))).toBe(true);
    expect(needsForward(at, view({ layersOff: [2] }))).toBe(true);
    expect(needsForward(at, view({ model: 'bundled:micro-bert' }))).toBe(true);
  });

  it('rejects malformed lessons with a message that names the field', () => {
    const good = lessonToObject(threeSteps());
    const bad = (change: (o: any) => void) => {
      const o = structuredClone(good) as any;
      change(o);
      return () => validateLesson(o);
    };
    expect(() => validateLesson([])).toThrow('must be a JSON object');
    expect(bad((o) => (o.format = 'other'))).toThrow('format must be "head-atlas-lesson"');
    expect(bad((o) => (o.version = 2))).toThrow('version 2 is not supported');
    expect(bad((o) => delete o.version)).toThrow('version (missing)');
    expect(bad((o) => (o.title = 5))).toThrow('title must be text');
    expect(bad((o) => (o.steps = {}))).toThrow('steps must be a list');
    expect(bad((o) => (o.steps[1] = 'x'))).toThrow('steps[2] must be an object');
    expect(bad((o) => delete o.steps[0].caption)).toThrow('steps[1].caption must be text');
    expect(bad((o) => (o.steps[2].caption = 'x'.repeat(MAX_CAPTION + 1)))).toThrow(`steps[3].caption is ${MAX_CAPTION + 1} characters long`);
    expect(bad((o) => (o.steps[0].view = '?head=1-1'))).toThrow('steps[1].view must be an object');
    expect(bad((o) => (o.steps[0].view.head = '1-x'))).toThrow('steps[1].view.head: "1-x" is not a valid value');
    expect(bad((o) => (o.steps[1].view.agg = 'max'))).toThrow('steps[2].view.agg: "max" is not a valid value');
    expect(bad((o) => (o.steps[0].view.n = 3))).toThrow('steps[1].view.n must be text');
    expect(bad((o) => (o.steps[0].view.classroom = '1'))).toThrow('steps[1].view.classroom is not a parameter a step can hold');
    expect(bad((o) => (o.steps[0].view.__proto__x = '1'))).toThrow('steps[1].view.__proto__x is not a parameter');
    expect(bad((o) => (o.steps = Array.from({ length: MAX_STEPS + 1 }, () => good.steps[0])))).toThrow(`at most ${MAX_STEPS}`);
    expect(() => lessonFromJson('{"format": ')).toThrow('not valid JSON');
    expect(() => lessonFromJson(' '.repeat(MAX_JSON_CHARS + 1))).toThrow('at most');
  });

  it('reports damaged, oversized and crafted links instead of reading them', async () => {
    const param = await encodeLessonParam(threeSteps());
    await expect(decodeLessonParam(param.slice(0, param.length >> 1))).rejects.toThrow('The lesson link is damaged');
    await expect(decodeLessonParam('not a lesson!')).rejects.toThrow('characters a lesson link never has');
    await expect(decodeLessonParam('A')).rejects.toThrow('The lesson link is damaged');
    await expect(decodeLessonParam('x'.repeat(MAX_LINK_CHARS + 1))).rejects.toThrow(`at most ${MAX_LINK_CHARS}`);
    // A few kB that inflate to 10 MB stop at the bound.
    const bomb = await pack(' '.repeat(10_000_000));
    expect(bomb.length).toBeLessThan(MAX_LINK_CHARS);
    await expect(decodeLessonParam(bomb)).rejects.toThrow(`more than ${MAX_JSON_CHARS} bytes`);
    await expect(decodeLessonParam(await pack('{"format":"head-atlas-lesson","version":1,"title":"t","steps":[{"caption":"c","view":{"mask":"4x4.///"}}]}'))).rejects.toThrow('steps[1].view.mask');
    await expect(decodeLessonParam(await pack('\u{1F600}'.slice(0, 1)))).rejects.toThrow();
  });

  it('ships lessons in public/lessons/ that validate', () => {
    const dir = new URL('../../public/lessons/', import.meta.url);
    const files = readdirSync(dir).filter((f) => f.endsWith('.json') && f !== 'index.json');
    expect(files.length).toBeGreaterThanOrEqual(2);
    for (const f of files) {
      const lesson = lessonFromJson(readFileSync(new URL(f, dir), 'utf8'));
      expect(lesson.steps.length).toBeGreaterThanOrEqual(4);
      for (const s of lesson.steps) expect(s.caption.length).toBeGreaterThan(20);
    }
    const index = JSON.parse(readFileSync(new URL('index.json', dir), 'utf8'));
    expect(index.map((e: { file: string }) => e.file).sort()).toEqual([...files].sort());
  });
});
