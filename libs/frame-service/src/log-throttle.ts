import type { ServiceLogger } from './logger.js';

type Level = keyof ServiceLogger;

interface Window {
  start: number;
  logged: number;
  suppressed: number;
}

/**
 * A logger that writes at most `perSecond` lines of each message a second: a client sending bad
 * frames as fast as it can must not fill the disk with `framing error` lines. Lines over the rate
 * are counted, and the count is written as `suppressed` in the next line of that kind. Keyed by
 * message text, which the runtime's lines keep constant (the details go in the object), and by the
 * `result` name of a refusal (one of the catalogue's), so the windows are bounded.
 */
export class LogThrottle implements ServiceLogger {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly logger: ServiceLogger,
    private readonly perSecond = 10,
    private readonly now: () => number = Date.now,
  ) {}

  info(object: object, message?: string): void {
    this.log('info', object, message);
  }

  warn(object: object, message?: string): void {
    this.log('warn', object, message);
  }

  error(object: object, message?: string): void {
    this.log('error', object, message);
  }

  private log(level: Level, object: object, message = ''): void {
    const now = this.now();
    // A refusal's result code is part of its kind: a flood of BAD_BODY must not hide a BAD_IMAGE.
    const result = (object as { result?: unknown }).result;
    const key = typeof result === 'string' ? `${message}\0${result}` : message;
    let window = this.windows.get(key);
    let suppressed = 0;
    if (window === undefined || now - window.start >= 1000) {
      suppressed = window?.suppressed ?? 0;
      window = { start: now, logged: 0, suppressed: 0 };
      this.windows.set(key, window);
    }
    if (window.logged >= this.perSecond) {
      window.suppressed++;
      return;
    }
    window.logged++;
    this.logger[level](suppressed > 0 ? { ...object, suppressed } : object, message);
  }
}
