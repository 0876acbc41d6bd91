// How fast this browser runs a kind of job on a model, as measured on the batches it has done:
// the basis of every "≈ … left" and of the estimate shown before a long run.

const rates = new Map<string, number>();

/** Records a measurement: `examples` done in `seconds` (the latest measurement wins). */
export function recordRate(key: string, examples: number, seconds: number): void {
  if (examples > 0 && seconds > 0) rates.set(key, examples / seconds);
}

/** Examples per second measured for this job kind and model, or null before the first batch. */
export function measuredRate(key: string): number | null {
  return rates.get(key) ?? null;
}

/** Seconds `examples` would take at the measured rate, or null before any measurement. */
export function estimateSeconds(key: string, examples: number): number | null {
  const rate = rates.get(key);
  return rate ? examples / rate : null;
}

/** Seconds left of a job, from its own pace so far; null before its first batch. */
export function secondsLeft(done: number, total: number, elapsedSeconds: number): number | null {
  if (done <= 0 || elapsedSeconds <= 0) return null;
  return ((total - done) * elapsedSeconds) / done;
}

/** "≈ 8 s", "≈ 1 min 40 s", "≈ 2 h 5 min". */
export function formatDuration(seconds: number): string {
  const s = Math.max(1, Math.round(seconds));
  if (s < 60) return `≈ ${s} s`;
  if (s < 3600) {
    const m = Math.floor(s / 60);
    const rest = Math.round((s - m * 60) / 10) * 10;
    return rest ? `≈ ${m} min ${rest} s` : `≈ ${m} min`;
  }
  const h = Math.floor(s / 3600);
  const m = Math.round((s - h * 3600) / 60);
  return m ? `≈ ${h} h ${m} min` : `≈ ${h} h`;
}
