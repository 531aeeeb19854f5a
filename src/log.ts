import pino from 'pino';

/**
 * One structured logger for the daemon (pino: JSON lines, cheap when a level is off, so hot paths can keep their
 * rate-limited warnings). Level from RPNTD_LOG_LEVEL, default "info". Logs go to stderr so stdout stays free for
 * the terminal view and JSON outputs of the CLI.
 */
export type Logger = pino.Logger;

export function createLogger(name = 'rpntd', level = process.env.RPNTD_LOG_LEVEL ?? 'info'): Logger {
  return pino({ name, level, base: { name } }, pino.destination({ fd: 2, sync: true }));
}

/**
 * Logs at most one line per `intervalMs` for a repeating condition (bad messages, late spikes), with the number of
 * occurrences folded since the last line, so a flood of bad input cannot flood the log or slow the loop.
 */
export class RateLimitedWarn {
  private lastMs = -Infinity;
  private suppressed = 0;
  constructor(
    private readonly log: Logger,
    private readonly intervalMs = 1000,
  ) {}

  /**
   * True when a line would be written now; false counts one suppressed occurrence. Hot paths call this before
   * building the fields and message, so a flood of bad input costs one clock read per batch.
   */
  due(): boolean {
    if (performance.now() - this.lastMs < this.intervalMs) {
      this.suppressed++;
      return false;
    }
    return true;
  }

  warn(fields: Record<string, unknown>, message: string): void {
    if (!this.due()) return;
    this.log.warn({ ...fields, suppressed: this.suppressed }, message);
    this.lastMs = performance.now();
    this.suppressed = 0;
  }
}
