/**
 * A User Timing measure `jupyterlab-mlops:<name>` from `start`
 * (`performance.now()`) to now, for the browser's performance tools and the
 * benchmarks; never fails. Answers its end, the start of what follows.
 */
export function measureSince(
  name: string,
  start: number,
  detail?: Record<string, unknown>
): number {
  const end = performance.now();
  try {
    performance.measure(`jupyterlab-mlops:${name}`, { start, end, detail });
  } catch {
    // No User Timing here: nothing to record.
  }
  return end;
}
