/**
 * The systems under test, each in its own process: the rpntd daemon (bench/daemon-child.ts), the bare ZeroMQ relay
 * (bench/relay-child.ts) and the Python peer (bench/python_peer.py). Each gets its input endpoint (it connects to
 * the publisher) and its output endpoint (it binds), says when it is ready, and on stop reports its own totals.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import * as path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

export interface SystemHandle {
  name: string;
  pid: number;
  ready: Promise<Record<string, unknown>>;
  stop(): Promise<Record<string, unknown>>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

function forkChild(name: string, script: string, args: string[], env: NodeJS.ProcessEnv = {}): SystemHandle {
  const child = fork(path.join(REPO_ROOT, 'dist', 'bench', script), args, {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, ...env },
  });
  let stopped: ((totals: Record<string, unknown>) => void) | undefined;
  const ready = new Promise<Record<string, unknown>>((resolve, reject) => {
    child.on('message', (m: { type: string; message?: string; totals?: Record<string, unknown> }) => {
      if (m.type === 'ready') resolve(m as unknown as Record<string, unknown>);
      else if (m.type === 'error') reject(new Error(`${name}: ${m.message}`));
      else if (m.type === 'stopped') stopped?.(m.totals ?? {});
    });
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code} before it was ready`)));
  });
  return {
    name,
    pid: child.pid ?? -1,
    ready,
    stop: () =>
      child.connected
        ? stopWithTotals(child, (onTotals) => (stopped = onTotals), () => child.send('stop'))
        : Promise.resolve({ exited: true }),
  };
}

/**
 * Asks a system to stop (`request`) and resolves with the totals it reports back through the handler `listen`
 * installs; a system that says nothing within 10 s is killed.
 */
function stopWithTotals(
  child: ChildProcess,
  listen: (onTotals: (totals: Record<string, unknown>) => void) => void,
  request: () => void,
): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve({ killed: true });
    }, 10_000);
    listen((totals) => {
      clearTimeout(timer);
      resolve(totals);
    });
    request();
  });
}

export interface DaemonSpec {
  input: string;
  output: string;
  channels: number;
  binMs: number;
  modelPath: string;
  cardPath: string;
  kernel: 'native' | 'ts';
  intraOpThreads: number;
  executionProvider?: 'cpu' | 'cuda' | 'tensorrt';
  configFile: string;
}

/** Writes the daemon's YAML config (the same keys a lab would write) and starts it in a child process. */
export function startDaemonProcess(spec: DaemonSpec): SystemHandle {
  const yaml = [
    'ingest:',
    `  endpoints: ["${spec.input}"]`,
    '  rateHz: 30000',
    `  channels: ${spec.channels}`,
    'bin:',
    `  binMs: ${spec.binMs}`,
    `  kernel: ${spec.kernel}`,
    'model:',
    `  path: "${spec.modelPath}"`,
    `  card: "${spec.cardPath}"`,
    `  intraOpThreads: ${spec.intraOpThreads}`,
    `  executionProvider: ${spec.executionProvider ?? 'cpu'}`,
    'publish:',
    `  endpoint: "${spec.output}"`,
    'metrics:',
    '  enabled: false',
    '',
  ].join('\n');
  writeFileSync(spec.configFile, yaml);
  return forkChild('rpntd', 'daemon-child.js', [spec.configFile]);
}

export function startRelayProcess(input: string, output: string, every = 1): SystemHandle {
  return forkChild('zmq-relay', 'relay-child.js', [input, output, String(every)]);
}

export interface PythonPeerSpec {
  input: string;
  output: string;
  channels: number;
  binMs: number;
  windowBins: number;
  dModel: number;
  layers: number;
  heads: number;
  threads: number;
}

export const PYTHON = process.env.RPNTD_BENCH_PYTHON ?? '/usr/bin/python3';

/** The Python peer speaks over stdout: a line `READY {json}` when it runs, `TOTALS {json}` after SIGTERM. */
export function startPythonPeer(spec: PythonPeerSpec): SystemHandle {
  const args = [
    path.join(REPO_ROOT, 'bench', 'python_peer.py'),
    '--input', spec.input, '--output', spec.output,
    '--channels', String(spec.channels), '--bin-ms', String(spec.binMs), '--window-bins', String(spec.windowBins),
    '--d-model', String(spec.dModel), '--layers', String(spec.layers), '--heads', String(spec.heads),
    '--threads', String(spec.threads),
  ];
  const child: ChildProcess = spawn(PYTHON, args, {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, OMP_NUM_THREADS: String(spec.threads), MKL_NUM_THREADS: String(spec.threads) },
  });
  let buffer = '';
  let onTotals: ((t: Record<string, unknown>) => void) | undefined;
  const ready = new Promise<Record<string, unknown>>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (line.startsWith('READY ')) resolve(JSON.parse(line.slice(6)));
        else if (line.startsWith('TOTALS ')) onTotals?.(JSON.parse(line.slice(7)));
      }
    });
    child.once('exit', (code) => reject(new Error(`python peer exited with ${code} before it was ready`)));
  });
  return {
    name: 'python-peer',
    pid: child.pid ?? -1,
    ready,
    stop: () => stopWithTotals(child, (handler) => (onTotals = handler), () => child.kill('SIGTERM')),
  };
}
