// `npm run test:slurm`: the README's SLURM job array on a one-node cluster the test starts
// (slurm/sweepArray.test.ts). Not part of `npm test`, which stays fast; scripts/test.sh runs it.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['slurm/**/*.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 240_000,
  },
});
