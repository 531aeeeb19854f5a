import { Observable, type OperatorFunction } from 'rxjs';

import type { SpikeBatch } from '../ingest';
import type { SpikeBinner } from './spike-binner';
import type { ClosedBin } from './types';

/**
 * RxJS form of SpikeBinner.push: each batch in, zero or more closed bins out, synchronously. Downstream must use
 * `bin.counts` before returning from next() (the row is reused), which holds for the synchronous window stage.
 */
export function binSpikes(binner: SpikeBinner): OperatorFunction<SpikeBatch, ClosedBin> {
  return (batches) =>
    new Observable<ClosedBin>((subscriber) => {
      // One callback per subscription, not per batch.
      const emit = (bin: ClosedBin): void => subscriber.next(bin);
      return batches.subscribe({
        next(batch) {
          try {
            binner.push(batch, emit);
          } catch (error) {
            subscriber.error(error);
          }
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
    });
}
