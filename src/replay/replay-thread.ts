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
      if (message.type === 'done' && message.summary) resolve(message.summary);
      else if (message.type === 'error') reject(new Error(`replay failed: ${message.message}`));
    });
    worker.on('error', reject);
    worker.on('exit', (code) => {
      if (code !== 0) reject(new Error(`replay thread exited with code ${code}`));
    });
  });
  return { done, abort: () => worker.postMessage('abort') };
}
