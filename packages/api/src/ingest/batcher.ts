/**
 * Micro-batching: callers submit one item and await its own result; items submitted within
 * `maxWaitMs` of each other (or until `maxItems`) are handed to `flush` together. Used for
 * group commit (one multi-row INSERT) and one `addBulk()` per batch.
 */
export interface Batcher<I, O> {
  submit(item: I): Promise<O>;
}

export function createBatcher<I, O>(
  flush: (items: I[]) => Promise<O[]>,
  options: { maxItems: number; maxWaitMs: number },
): Batcher<I, O> {
  let pending: { item: I; resolve: (o: O) => void; reject: (e: unknown) => void }[] = [];
  let timer: NodeJS.Timeout | undefined;

  const run = () => {
    clearTimeout(timer);
    timer = undefined;
    const batch = pending;
    pending = [];
    if (batch.length === 0) return;
    flush(batch.map((p) => p.item)).then(
      (results) => {
        batch.forEach((p, i) => {
          p.resolve(results[i] as O);
        });
      },
      (error: unknown) => {
        for (const p of batch) p.reject(error);
      },
    );
  };

  return {
    submit(item) {
      return new Promise<O>((resolve, reject) => {
        pending.push({ item, resolve, reject });
        if (pending.length >= options.maxItems) run();
        else timer ??= setTimeout(run, options.maxWaitMs);
      });
    },
  };
}
