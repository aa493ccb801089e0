/**
 * Micro-batching: callers submit one item and await its own result; items submitted close
 * together are handed to `flush` together. Used for group commit (one multi-row statement per
 * batch), one `addBulk()` per batch, one pipeline per batch.
 *
 * - `maxItems`: a batch never holds more; a full batch goes out at once.
 * - `maxWaitMs`: how long the first item of a batch waits for company (0: until the current
 *   turn of the event loop ends, so items submitted in the same I/O phase share a batch).
 * - `maxWeight` with `weight(item)` (optional): a batch's items weigh at most this much together
 *   (a single heavier item goes alone); e.g. body bytes, so large bodies do not make one huge statement.
 * - `maxInFlight` (default unlimited): at most this many flushes run at a time. While at the
 *   limit, items gather and go out as one batch when a flush finishes. This batches by itself
 *   under load (the batch grows with the round-trip time) and adds no delay when idle.
 */
/** A flush's answer for one item that failed on its own: that item's caller gets `error`. */
export class ItemFailure {
  readonly error: unknown;
  constructor(error: unknown) {
    this.error = error;
  }
}

/**
 * After a batch failed for a reason that is not an outage: runs each item alone, so one bad
 * item fails only its own caller.
 */
export function eachAlone<I, O>(
  items: readonly I[],
  one: (item: I) => Promise<O>,
): Promise<(O | ItemFailure)[]> {
  return Promise.all(items.map((item) => one(item).catch((error: unknown) => new ItemFailure(error))));
}

export interface Batcher<I, O> {
  submit(item: I): Promise<O>;
}

export interface BatcherOptions {
  maxItems: number;
  maxWaitMs: number;
  maxInFlight?: number;
}

export interface WeightedBatcherOptions<I> extends BatcherOptions {
  maxWeight?: number;
  weight?: (item: I) => number;
}

export function createBatcher<I, O>(
  flush: (items: I[]) => Promise<(O | ItemFailure)[]>,
  options: WeightedBatcherOptions<I>,
): Batcher<I, O> {
  const maxInFlight = options.maxInFlight ?? Number.POSITIVE_INFINITY;
  const maxWeight = options.maxWeight ?? Number.POSITIVE_INFINITY;
  const weigh = options.weight ?? (() => 0);
  let pending: { item: I; weight: number; resolve: (o: O) => void; reject: (e: unknown) => void }[] = [];
  let pendingWeight = 0;
  const full = () => pending.length >= options.maxItems || pendingWeight >= maxWeight;
  let scheduled: NodeJS.Timeout | NodeJS.Immediate | undefined;
  let inFlight = 0;

  const cancelSchedule = () => {
    if (scheduled === undefined) return;
    if (options.maxWaitMs > 0) clearTimeout(scheduled as NodeJS.Timeout);
    else clearImmediate(scheduled as NodeJS.Immediate);
    scheduled = undefined;
  };

  const schedule = () => {
    if (scheduled !== undefined || pending.length === 0) return;
    scheduled = options.maxWaitMs > 0 ? setTimeout(run, options.maxWaitMs) : setImmediate(run);
  };

  const run = () => {
    cancelSchedule();
    if (pending.length === 0) return;
    if (inFlight >= maxInFlight) return; // a finishing flush sends what gathered
    let take = 0;
    let weight = 0;
    while (take < pending.length && take < options.maxItems) {
      const next = (pending[take] as (typeof pending)[number]).weight;
      if (take > 0 && weight + next > maxWeight) break;
      weight += next;
      take++;
    }
    const batch = pending.slice(0, take);
    pending = pending.slice(take);
    pendingWeight -= weight;
    inFlight++;
    const settle = () => {
      inFlight--;
      if (full()) run();
      else schedule();
    };
    let out: Promise<(O | ItemFailure)[]>;
    try {
      out = flush(batch.map((p) => p.item));
    } catch (error) {
      out = Promise.reject(error);
    }
    out
      .then(
        (results) => {
          if (!Array.isArray(results) || results.length !== batch.length)
            throw new Error(
              `batch flush answered ${String(results?.length)} results for ${batch.length} items`,
            );
          batch.forEach((p, i) => {
            const result = results[i];
            if (result instanceof ItemFailure) p.reject(result.error);
            else p.resolve(result as O);
          });
        },
        (error: unknown) => {
          for (const p of batch) p.reject(error);
        },
      )
      // A malformed answer fails its batch instead of stranding the callers; the slot is freed
      // whatever happened (settled promises ignore a second reject).
      .catch((error: unknown) => {
        for (const p of batch) p.reject(error);
      })
      .finally(settle);
    if (pending.length > 0) schedule();
  };

  return {
    submit(item) {
      return new Promise<O>((resolve, reject) => {
        const weight = weigh(item);
        pending.push({ item, weight, resolve, reject });
        pendingWeight += weight;
        if (full()) run();
        else schedule();
      });
    },
  };
}
