import { Cmd } from '@pic-storage/frame-protocol';
import { FrameServer, type ServiceLogger } from '@pic-storage/frame-service';
import { DEV_KEY_WARNING, openSessionCounter, redactedUrl, SessionGate } from '@pic-storage/session-count';
import { DesKey } from '@pic-storage/session-key';
import type { SessCheckConf } from './sess-check-conf.js';
import { SessionCheckHandler } from './session-check.js';

export interface RunningSessCheckSvr {
  readonly server: FrameServer;
  /** Stops accepting, answers the checks received, closes the Redis connection. */
  stop(): Promise<void>;
}

export interface SessCheckSvrHooks {
  /** Unix seconds; default the clock (tests move it). */
  now?: () => number;
  /** Milliseconds, for the memory counter's expiry; default Date.now. */
  clock?: () => number;
}

type Logger = ServiceLogger & { debug(object: object, message?: string): void };

/** sess_check_svr wired together: a FrameServer serving cmd 0x10B5. Listens before it returns. */
export async function startSessCheckSvr(
  conf: SessCheckConf,
  logger: Logger,
  hooks: SessCheckSvrHooks = {},
): Promise<RunningSessCheckSvr> {
  if (conf.desKeySource === 'default') logger.warn({ desKey: conf.desKey }, DEV_KEY_WARNING);
  const desKey = DesKey.from(conf.desKey);
  const counter = await openSessionCounter(conf, logger, hooks.clock);
  const gate = new SessionGate({ desKey, counter, maxChecks: conf.maxChecks, age: conf.age, now: hooks.now });
  const handler = new SessionCheckHandler(gate, logger);
  const server = new FrameServer({
    ...conf.server,
    handlers: new Map([[Cmd.SESSION_CHECK, (request) => handler.serve(request)]]),
    logger,
  });
  try {
    await server.start();
  } catch (err) {
    await counter.close();
    throw err;
  }
  logger.info(
    {
      address: server.address,
      counts: conf.redisUrl === undefined ? `memory (max ${conf.maxMemoryKeys} keys)` : redactedUrl(conf.redisUrl),
      maxChecks: conf.maxChecks,
      timeWindow: conf.age.windowSeconds,
      clockSkew: conf.age.skewSeconds,
    },
    'listening',
  );
  return {
    server,
    async stop() {
      await server.stop();
      await counter.close();
    },
  };
}
