import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { PublisherResult, PublisherWorkerData } from './publisher-worker';

export interface RunningPublisher {
  /** Resolves once the XPUB socket is bound (peers may connect). */
  bound: Promise<void>;
  /** Resolves when the last message has been sent. */
  done: Promise<PublisherResult>;
  abort(): void;
}

/** Starts the acquisition stand-in on its own worker thread (compiled code: dist/bench/lib/publisher-worker.js). */
export function startPublisher(data: PublisherWorkerData): RunningPublisher {
  const worker = new Worker(path.join(__dirname, 'publisher-worker.js'), { workerData: data });
  let onBound!: () => void;
  const bound = new Promise<void>((resolve) => (onBound = resolve));
  const done = new Promise<PublisherResult>((resolve, reject) => {
    worker.on('message', (m: { type: string; result?: PublisherResult; message?: string }) => {
      if (m.type === 'bound') onBound();
      else if (m.type === 'done') resolve(m.result!);
      else if (m.type === 'error') reject(new Error(`publisher: ${m.message}`));
    });
    worker.on('error', reject);
    worker.on('exit', (code) => {
      if (code !== 0) reject(new Error(`publisher thread exited with ${code}`));
    });
  });
  done.finally(() => void worker.terminate()).catch(() => undefined);
  return { bound, done, abort: () => worker.postMessage('abort') };
}
