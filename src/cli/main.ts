#!/usr/bin/env node
import { Command, InvalidArgumentError, Option } from 'commander';
import { writeFileSync } from 'node:fs';
import { loadConfig } from '../config';
import { DEFAULT_DATASET_DIR, fractionToBins, loadDerivedDataset } from '../dataset/derived-dataset';
import { RpntdError } from '../errors';
import { createLogger } from '../log';
import { startDaemon, type Daemon } from '../pipeline';
import { resolveRecording } from '../replay/recording';
import { replayDataset } from '../replay/replay';
import { fitSimulatedPopulation } from '../replay/simulated-population';
import { runDemo } from './demo';

const log = createLogger();

function positiveNumber(name: string) {
  return (value: string): number => {
    const n = value === 'max' ? Infinity : Number(value);
    if (!(n > 0)) throw new InvalidArgumentError(`${name} must be a positive number${name === '--speed' ? ' or "max"' : ''}, got "${value}"`);
    return n;
  };
}

function fraction(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!(n >= 0 && n <= 1)) throw new InvalidArgumentError(`${name} must be a fraction of the recording in [0, 1], got "${value}"`);
    return n;
  };
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError(`--metrics-port must be an integer port 0-65535, got "${value}"`);
  return n;
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

const program = new Command()
  .name('rpntd')
  .description('Real-time RPNT decoding daemon: ZeroMQ spikes in, kinematics out, Prometheus metrics.')
  .showHelpAfterError();

program
  .command('run')
  .description('run the daemon until SIGINT/SIGTERM')
  .option('--config <file>', 'YAML config (default: config/default.yaml)')
  .option('--input <endpoint>', 'spike publisher endpoint to connect to (repeatable; replaces ingest.endpoints)', collect)
  .option('--output <endpoint>', 'endpoint to bind the kinematics PUB socket on (publish.endpoint)')
  .option('--model <file.onnx>', 'ONNX model; its card is the .json beside it (model.path)')
  .option('--metrics-port <n>', 'Prometheus /metrics port (metrics.port)', port)
  .action(async (opts: { config?: string; input?: string[]; output?: string; model?: string; metricsPort?: number }) => {
    const config = loadConfig(opts.config, { inputEndpoints: opts.input, outputEndpoint: opts.output, modelPath: opts.model, metricsPort: opts.metricsPort });
    // Handlers go in before start-up so a signal during start-up also ends in a clean stop, not a kill.
    let daemon: Daemon | undefined;
    let stopSignal: string | undefined;
    const stop = async (signal: string) => {
      if (stopSignal !== undefined) return;
      stopSignal = signal;
      log.info({ signal }, 'stopping: finishing the bin in hand, closing sockets');
      if (daemon === undefined) return; // start-up finishes first, then stops
      await daemon.stop();
      process.exit(0);
    };
    process.once('SIGINT', () => void stop('SIGINT'));
    process.once('SIGTERM', () => void stop('SIGTERM'));
    daemon = await startDaemon(config, log);
    if (stopSignal !== undefined) {
      await daemon.stop();
      process.exit(0);
    }
    const running = daemon;
    running.done.catch(async () => {
      // The pipeline broke on its own (logged where it happened): close what is open and say so by the exit code.
      await running.stop().catch(() => undefined);
      process.exit(1);
    });
  });

program
  .command('replay')
  .description('publish a binned recording as our spike protocol (30 kHz sample clock), paced at real time × speed')
  .option('--dataset <dir>', `derived-layout folder, or "sim" for the built-in simulated population (default: ${DEFAULT_DATASET_DIR}, or sim where absent)`)
  .requiredOption('--endpoint <endpoint>', 'endpoint to bind the PUB socket on, e.g. tcp://127.0.0.1:5555')
  .option('--speed <x>', 'real time × X ("max": as fast as possible)', positiveNumber('--speed'), 1)
  .option('--from <f>', 'start of the replayed part, as a fraction of the recording', fraction('--from'), 0)
  .option('--to <f>', 'end of the replayed part, as a fraction (the test split is 0.8-1.0)', fraction('--to'), 1)
  .option('--rate <hz>', 'sample rate of the published clock, Hz', positiveNumber('--rate'), 30000)
  .option('--message-ms <ms>', 'sample time covered by one message, ms', positiveNumber('--message-ms'), 1)
  .option('--seed <n>', 'seed for spreading counts inside their bins', (v) => Number(v), 1)
  .option('--source <name>', 'source name in each message', 'replay')
  .option('--wait-ms <ms>', 'wait this long for a subscriber before publishing', (v) => Number(v), 10000)
  .action(async (opts: { dataset?: string; endpoint: string; speed: number; from: number; to: number; rate: number; messageMs: number; seed: number; source: string; waitMs: number }) => {
    const recording = resolveRecording(opts.dataset);
    log.info(`replaying the ${recording.description}`);
    const controller = new AbortController();
    process.once('SIGINT', () => controller.abort());
    process.once('SIGTERM', () => controller.abort());
    const summary = await replayDataset({
      dataset: recording.dataset,
      endpoint: opts.endpoint,
      speed: opts.speed,
      fromFraction: opts.from,
      toFraction: opts.to,
      rateHz: opts.rate,
      messageSamples: Math.round((opts.rate * opts.messageMs) / 1000),
      seed: opts.seed,
      source: opts.source,
      waitForSubscriberMs: opts.waitMs,
      log,
      signal: controller.signal,
    });
    process.stdout.write(`${JSON.stringify({ ...summary, simulated: recording.simulated })}\n`);
  });

program
  .command('demo', { isDefault: false })
  .description('the daemon, a replay of the test split and a live view of decoded against true velocity (npm start)')
  .option('--config <file>', 'YAML config (default: config/default.yaml)')
  .option('--dataset <dir>', 'derived-layout folder or "sim" (default: the real M1 recording, or sim where absent)')
  .option('--speed <x>', 'replay at real time × X ("max": as fast as possible)', positiveNumber('--speed'), 1)
  .option('--from <f>', 'start fraction', fraction('--from'), 0.8)
  .option('--to <f>', 'end fraction', fraction('--to'), 1)
  .addOption(new Option('--no-view', 'print a line every few seconds instead of the live view'))
  .option('--json <file>', 'also write the summary as JSON to this file')
  .action(async (opts: { config?: string; dataset?: string; speed: number; from: number; to: number; view: boolean; json?: string }) => {
    const summary = await runDemo({ ...opts, log });
    if (opts.json) writeFileSync(opts.json, `${JSON.stringify(summary, null, 2)}\n`);
  });

program
  .command('sim-fit')
  .description('fit the built-in simulated population to a recording (writes models/sim-population.json)')
  .option('--dataset <dir>', 'derived-layout folder', DEFAULT_DATASET_DIR)
  .option('--out <file>', 'output JSON', 'models/sim-population.json')
  .action((opts: { dataset: string; out: string }) => {
    const dataset = loadDerivedDataset(opts.dataset);
    const { endBin } = fractionToBins(dataset.bins, 0, 0.7);
    const population = fitSimulatedPopulation(dataset, 0, endBin);
    writeFileSync(opts.out, `${JSON.stringify(population)}\n`);
    process.stdout.write(`wrote ${opts.out}: ${population.units} units fitted on ${population.fittedOn}\n`);
  });

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof RpntdError) {
    log.error({ code: err.code }, err.message);
    process.stderr.write(`rpntd: ${err.message}\n`);
  } else {
    log.error({ err }, 'rpntd failed');
  }
  process.exit(1);
});
