import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ReplaySummary } from './replay';
import type { ReplayWorkerData } from './replay-worker';

export interface ReplayThread {
  /** Resolves with the replay's totals when it has published its last message. */
  done: Promise<ReplaySummary>;
  abort(): void;
}

/** Starts a replay on a worker thread (compiled code only: the worker loads dist/src/replay/replay-worker.js). */
export function startReplayWorker(data: ReplayWorkerData): ReplayThread {
  const worker = new Worker(path.join(__dirname, 'replay-worker.js'), { workerData: data });
  const done = new Promise<ReplaySummary>((resolve, reject) => {
    worker.on('message', (message: { type: string; summary?: ReplaySummary; message?: string }) => {
      // The worker listens for 'abort', which keeps it alive after the replay: end it once it has reported.
      if (message.type === 'done' && message.summary) {
        resolve(message.summary);
        void worker.terminate();
      } else if (message.type === 'error') {
        reject(new Error(`replay failed: ${message.message}`));
        void worker.terminate();
      }
    });
    worker.on('error', reject);
    worker.on('exit', (code) => {
      // terminate() exits with 1 after a report has settled the promise; before one, any exit is a failure.
      reject(new Error(`replay thread exited with code ${code} before reporting`));
    });
  });
  return { done, abort: () => worker.postMessage('abort') };
}
