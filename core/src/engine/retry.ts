/** Retry delays: a number for every retry, or a list (the last entry repeats), plus jitter. */

/** Milliseconds to wait before retry number `retry` (1-based). */
export function retryDelayMs(
  delaySeconds: number | readonly number[] | undefined,
  retry: number,
  jitterFactor: number | undefined,
): number {
  let seconds: number;
  if (delaySeconds === undefined) seconds = 0;
  else if (typeof delaySeconds === "number") seconds = delaySeconds;
  else seconds = delaySeconds[Math.min(retry - 1, delaySeconds.length - 1)] ?? 0;
  const jitter = jitterFactor ? Math.random() * jitterFactor * seconds : 0;
  return Math.round((seconds + jitter) * 1000);
}
