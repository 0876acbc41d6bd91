import { expect, it } from 'vitest';
import { changeLabels, loadLabels } from './labelStore';

// Node has no IndexedDB: the same as a browser where storage is unavailable.
it('without storage, reading gives no labels and a change is a rejection the page can report', async () => {
  expect(typeof indexedDB).toBe('undefined');
  await expect(loadLabels()).resolves.toEqual([]);
  const change = () => [];
  await expect(changeLabels(change)).rejects.toThrow();
});
