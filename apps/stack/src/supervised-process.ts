import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Logger } from 'pino';
import { EX_CONFIG, EX_TEMPFAIL } from '@pic-storage/service-process';
import type { StackService } from './service-table.js';

/** Restart delays after unexpected exits: 1 s doubling to 30 s; reset once a run lasted a minute. */
const FIRST_RESTART_DELAY_MS = 1_000;
const MAX_RESTART_DELAY_MS = 30_000;
const STABLE_RUN_MS = 60_000;

export interface SupervisedOptions {
  service: StackService;
  /** apps/<app>/dist/main.js */
  main: string;
  logger: Logger;
  /** Called once, when the service logs that it listens. */
  onListening: (line: Record<string, unknown>) => void;
  /** A service that cannot start by its conf or its store (exit 78 or 75): the stack stops. */
  onFatal: (code: number) => void;
}

/** Children's outputs paused until the stack's stdout drains (one 'drain' listener for all). */
const pausedOutputs = new Set<NodeJS.ReadableStream>();

/**
 * Writes a child's log line to the stack's stdout. When stdout is not taking lines as fast as the
 * services write them (a slow pipe, a paused terminal), the child's output is paused until it
 * drains, so the lines wait in the child's pipe, not in this process's memory.
 */
function forwardLine(line: string, output: NodeJS.ReadableStream): void {
  if (process.stdout.write(`${line}\n`)) return;
  if (pausedOutputs.size === 0) {
    process.stdout.once('drain', () => {
      for (const paused of pausedOutputs) paused.resume();
      pausedOutputs.clear();
    });
  }
  pausedOutputs.add(output);
  output.pause();
}

/**
 * One service of the stack as a child process: its JSON log lines passed through, restarted with
 * a growing delay when it dies unexpectedly, stopped with SIGTERM (SIGKILL when it does not stop
 * in time). The child has PIC_STACK_CHILD=1, so it also stops by itself if this process dies.
 */
export class SupervisedProcess {
  private child: ChildProcess | undefined;
  private stopping = false;
  private restartDelay = FIRST_RESTART_DELAY_MS;
  private restartTimer: NodeJS.Timeout | undefined;
  private listening = false;

  constructor(private readonly options: SupervisedOptions) {}

  start(): void {
    const { service, main, logger } = this.options;
    const env: NodeJS.ProcessEnv = { ...process.env, PIC_STACK_CHILD: '1' };
    if (service.port !== undefined) env.PIC_PORT = String(service.port);
    else delete env.PIC_PORT;
    const startedAt = Date.now();
    const child = spawn(process.execPath, [...(service.nodeArgs ?? []), main], {
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    this.child = child;
    logger.info({ service: service.name, pid: child.pid }, 'service started');
    const output = child.stdout as NodeJS.ReadableStream;
    createInterface({ input: output }).on('line', (line) => this.onLine(line, output));
    child.on('exit', (code, signal) => {
      this.child = undefined;
      if (this.stopping) return;
      if (code === EX_CONFIG || code === EX_TEMPFAIL) {
        logger.error({ service: service.name, code }, 'service cannot start');
        this.options.onFatal(code);
        return;
      }
      if (Date.now() - startedAt >= STABLE_RUN_MS) this.restartDelay = FIRST_RESTART_DELAY_MS;
      logger.error(
        { service: service.name, code, signal, restartInMs: this.restartDelay },
        'service exited, restarting',
      );
      this.restartTimer = setTimeout(() => this.start(), this.restartDelay);
      this.restartDelay = Math.min(this.restartDelay * 2, MAX_RESTART_DELAY_MS);
    });
  }

  /** Passes the child's log line through; the first `listening` line marks it ready. */
  private onLine(line: string, output: NodeJS.ReadableStream): void {
    forwardLine(line, output);
    if (this.listening || !line.startsWith('{')) return;
    try {
      const entry = JSON.parse(line) as Record<string, unknown>;
      if (entry.msg === 'listening') {
        this.listening = true;
        this.options.onListening(entry);
      }
    } catch {
      // not a log line
    }
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** SIGTERM, then SIGKILL after `timeoutMs`; resolves when the process is gone. */
  async stop(timeoutMs: number): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    const child = this.child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => {
      this.options.logger.error({ service: this.options.service.name }, 'service did not stop in time, killing it');
      child.kill('SIGKILL');
    }, timeoutMs);
    await exited;
    clearTimeout(timer);
  }
}
