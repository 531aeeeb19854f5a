import net from 'node:net';

import type { Observable } from 'rxjs';

/** A TCP port that was free a moment ago on 127.0.0.1 (for a publisher outside this process to bind). */
export async function freeLoopbackPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Resolves with the first value of `stream` that passes `predicate`, or rejects after `timeoutMs`. */
export function firstMatching<T>(stream: Observable<T>, predicate: (value: T) => boolean, timeoutMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      subscription.unsubscribe();
      reject(new Error(`no matching value within ${timeoutMs} ms`));
    }, timeoutMs);
    const subscription = stream.subscribe((value) => {
      if (!predicate(value)) return;
      clearTimeout(timer);
      queueMicrotask(() => subscription.unsubscribe());
      resolve(value);
    });
  });
}
