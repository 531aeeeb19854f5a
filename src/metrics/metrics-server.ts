import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError } from '../errors';
import { METRICS } from './names';
import type { RpntdMetrics } from './rpntd-metrics';

export interface MetricsServerOptions {
  host: string;
  /** 0 = any free port (see MetricsServer.port). */
  port: number;
  metrics: RpntdMetrics;
}

export interface MetricsServer {
  /** The port actually listened on. */
  readonly port: number;
  /** http://host:port */
  readonly url: string;
  /** /healthz answers 200 once the pipeline says it is ready (model loaded, sockets up), 503 before and after. */
  setReady(ready: boolean): void;
  close(): Promise<void>;
}

/**
 * The HTTP side of metrics: GET /metrics (Prometheus text) and GET /healthz (JSON: 200 when ready, 503 until then).
 * Scrapes are cheap reads of the stats objects, so they may run on the event loop.
 */
export async function serveMetrics(options: MetricsServerOptions): Promise<MetricsServer> {
  const { metrics } = options;
  let ready = false;

  const health = (res: ServerResponse) => {
    const model = metrics.modelInfo;
    const body = {
      status: ready ? 'ok' : 'starting',
      uptimeS: Math.round(process.uptime() * 1000) / 1000,
      model: model === undefined ? null : `${model.model}@${model.version}`,
      executionProvider: model?.executionProvider ?? null,
      binsClosed: metrics.readSource(METRICS.binsClosed.name) ?? null,
    };
    res.writeHead(ready ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body));
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const url = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' });
      res.end('only GET /metrics and GET /healthz\n');
      return;
    }
    if (url === '/metrics') {
      metrics.text().then(
        (text) => {
          res.writeHead(200, { 'content-type': metrics.contentType });
          res.end(text);
        },
        (error: unknown) => {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(`metrics collection failed: ${(error as Error).message}\n`);
        },
      );
    } else if (url === '/healthz') {
      health(res);
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found: try /metrics or /healthz\n');
    }
  };

  const server = createServer(handle);
  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      const fix =
        error.code === 'EADDRINUSE'
          ? 'another process holds the port: stop it, or set metrics.port / --metrics-port to a free port'
          : 'check metrics.host and metrics.port';
      // A ConfigError: the fix is always a different metrics.host/metrics.port (or stopping whoever holds it).
      reject(
        new ConfigError(
          `metrics server cannot listen on ${options.host}:${options.port}: ${error.message} (${error.code}); ${fix}`,
          { cause: error },
        ),
      );
    };
    server.once('error', onError);
    server.listen(options.port, options.host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const hostForUrl = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    port,
    url: `http://${hostForUrl}:${port}`,
    setReady(value: boolean) {
      ready = value;
    },
    close() {
      ready = false;
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
