import { describe, expect, it } from 'vitest';
import { estimateSeconds, formatDuration, measuredRate, recordRate, secondsLeft } from './throughput';

describe('throughput estimates', () => {
  it('estimates a run from the measured first batch, and nothing before it', () => {
    expect(estimateSeconds('evaluate:m1', 872)).toBeNull();
    recordRate('evaluate:m1', 32, 0.8);
    expect(measuredRate('evaluate:m1')).toBeCloseTo(40);
    expect(estimateSeconds('evaluate:m1', 872)).toBeCloseTo(21.8);
    expect(estimateSeconds('evaluate:m2', 872)).toBeNull();
  });

  it('says what is left of a job from its own pace', () => {
    expect(secondsLeft(0, 100, 5)).toBeNull();
    expect(secondsLeft(25, 100, 5)).toBeCloseTo(15);
    expect(secondsLeft(100, 100, 5)).toBe(0);
  });

  it('writes durations for people', () => {
    expect(formatDuration(0.2)).toBe('≈ 1 s');
    expect(formatDuration(42)).toBe('≈ 42 s');
    expect(formatDuration(100)).toBe('≈ 1 min 40 s');
    expect(formatDuration(120)).toBe('≈ 2 min');
    expect(formatDuration(7500)).toBe('≈ 2 h 5 min');
  });
});
