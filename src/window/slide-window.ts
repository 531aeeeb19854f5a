import { map, type OperatorFunction } from 'rxjs';

import type { ClosedBin } from '../bin';
import type { ContextWindow } from './context-window';

/** What the window stage hands to decode after each closed bin. */
export interface WindowFrame {
  /** The bin just added (its `counts` view is only valid during this emission; the window holds a copy). */
  bin: ClosedBin;
  /** `[windowBins, channels]` float32, oldest first: the window's reused view, valid until the next bin. */
  counts: Float32Array;
  /** Rows holding real or zero-filled bins; below windowBins while the window is still filling. */
  filledBins: number;
}

/** Pushes each closed bin into the window and emits the updated window, once per bin. */
export function slideWindow(window: ContextWindow): OperatorFunction<ClosedBin, WindowFrame> {
  return map((bin) => {
    window.push(bin);
    return { bin, counts: window.view(), filledBins: window.filledBins };
  });
}
