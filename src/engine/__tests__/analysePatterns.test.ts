import * as ort from 'onnxruntime-web';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { fitPatternModel, serialisePatternModel } from '../../analysis/patternModel';
import { headFeatures } from '../../analysis/patterns';
import { syntheticMapSet } from '../../analysis/syntheticMaps';
import { diskSource } from '../diskSource';
import { EngineHost } from '../engineHost';

// The analyses take the classifier by kind: the default, the rules, or the user's model (JSON).
const MODELS = fileURLToPath(new URL('../../../public/models/', import.meta.url));
const backend = { requested: 'wasm', backend: 'wasm', threads: 1, crossOriginIsolated: false, fallbackReason: null } as const;
const SAMPLE = [{ textA: 'a charming and often affecting journey .' }, { textA: 'the movie was not good , but the actors were great .' }, { textA: 'it rains .', textB: 'the ground is wet .' }];

it('classifies with the kind asked for, and refuses the user kind without a model', async () => {
  const host = new EngineHost({ ort, backend, appBaseUrl: 'http://unused/', cache: null });
  host.sourceOf = () => diskSource(`${MODELS}micro-bert-sst2`, 'bundled:micro-bert-sst2');
  const model = await host.load({ kind: 'bundled', name: 'micro-bert-sst2' }, { format: 'safetensors' });
  const byDefault = await host.analyse(model.id, SAMPLE, {});
  const explicit = await host.analyse(model.id, SAMPLE, { classifier: 'default' });
  expect(explicit.patterns).toEqual(byDefault.patterns);
  expect(byDefault.patterns.examples).toBe(3);
  // Layer 1's heads attend to neighbours: the default sees a line in every one of them.
  const first = byDefault.patterns.perLayer[0].shares;
  expect(first.diagonal + first['vertical+diagonal']).toBe(1);
  const rules = await host.analyse(model.id, SAMPLE, { classifier: 'rules' });
  expect(rules.patterns.overall.total).toBe(3 * 16);
  // A user model that knows only one type puts every head there.
  const onlyBlock = fitPatternModel(syntheticMapSet({ seed: 2, count: 50, types: ['block'] }).map((m) => ({ type: m.type, features: headFeatures(m.map, m.length, m.length, m.tokens, m.segments) })));
  const user = await host.analyse(model.id, SAMPLE, { classifier: 'user', patternModelJson: serialisePatternModel(onlyBlock) });
  expect(user.patterns.overall.shares.block).toBe(1);
  await expect(host.analyse(model.id, SAMPLE, { classifier: 'user' })).rejects.toMatchObject({ code: 'bad-input', message: expect.stringMatching(/No fitted classifier of yours is loaded/) });
});
