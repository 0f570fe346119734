/**
 * Ask for many items in requests of at most `batch`, in order. An item the
 * answer had no room for (`E_ANSWER_TOO_LARGE`) is asked for again at the
 * head of the next request. The first item of a request had the whole
 * answer to itself: if it is still too large, that error is its result (so
 * every request settles at least one item). `read-many` and
 * `store/manifests` answer this way.
 */
export async function askInPages<T, R>(
  items: readonly T[],
  ask: (batch: T[]) => Promise<R[]>,
  batch = Infinity
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let pending = items.map((_, i) => i);
  while (pending.length > 0) {
    const asked = pending.slice(0, batch);
    const answers = await ask(asked.map(i => items[i]));
    const deferred: number[] = [];
    asked.forEach((i, k) => {
      const answer = answers[k];
      if (k > 0 && Private.tooLarge(answer)) {
        deferred.push(i);
      } else {
        out[i] = answer;
      }
    });
    pending = [...deferred, ...pending.slice(asked.length)];
  }
  return out;
}

namespace Private {
  /**
   * Whether an entry of an answer is `{error: {code: 'E_ANSWER_TOO_LARGE'}}`.
   */
  export function tooLarge(answer: unknown): boolean {
    const error = (answer as { error?: { code?: unknown } } | undefined)?.error;
    return error?.code === 'E_ANSWER_TOO_LARGE';
  }
}
