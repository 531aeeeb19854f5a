/**
 * Child process: one rpntd daemon under test, configured from a YAML file (argv[2]). Talks to the bench over IPC:
 * sends {type:'ready'} once running, answers 'stop' with {type:'stopped', totals} and exits.
 */
import { loadConfig } from '../src/config';
import { createLogger } from '../src/log';
import { startDaemon } from '../src/pipeline';

async function main(): Promise<void> {
  const config = loadConfig(process.argv[2], {});
  const log = createLogger('rpntd', process.env.RPNTD_LOG_LEVEL ?? 'warn');
  const daemon = await startDaemon(config, log);
  process.on('message', (message) => {
    if (message !== 'stop') return;
    void (async () => {
      const totals = daemon.totals();
      await daemon.stop();
      process.send!({ type: 'stopped', totals }, () => process.exit(0));
    })();
  });
  process.send!({ type: 'ready', executionProvider: daemon.executionProvider, card: { name: daemon.card.name, windowBins: daemon.card.window_bins, channels: daemon.card.channels, binMs: daemon.card.bin_ms } });
}

main().catch((error: unknown) => {
  process.send?.({ type: 'error', message: (error as Error).stack ?? String(error) });
  process.exit(1);
});
