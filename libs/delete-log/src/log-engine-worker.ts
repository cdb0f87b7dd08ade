/*
 * The thread a DeleteLogWriter's LogEngine runs on. Messages in: `append` (one EngineAppend),
 * `close`. Messages out: `opened` or `open-failed` once, `committed` after each commit (the ids
 * acknowledged and failed, and the counters), `closed` last.
 *
 * Appends are committed together: every append that arrived while a commit ran is taken by the
 * next one (the messages of one turn of this thread's event loop, then setImmediate), so one
 * write and one fdatasync answer all of them.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { LogEngine, messageOf, type EngineAppend } from './log-engine.js';
import type { EngineStart, FromEngine, ToEngine } from './log-engine-messages.js';

const port = parentPort;
if (port === null) throw new Error('log-engine-worker.js runs as a worker thread of a DeleteLogWriter');
const start = workerData as EngineStart;
const engine = new LogEngine(start.options, start.stats);
let queue: EngineAppend[] = [];
let scheduled = false;

const post = (message: FromEngine): void => port.postMessage(message);

function commitQueued(): void {
  scheduled = false;
  if (queue.length === 0) return;
  const appends = queue;
  queue = [];
  const { acked, failed } = engine.commit(appends);
  post({ type: 'committed', acked, failed, stats: { ...engine.stats } });
}

try {
  engine.open();
  post({ type: 'opened' });
} catch (err) {
  post({ type: 'open-failed', message: messageOf(err) });
}

port.on('message', (message: ToEngine) => {
  if (message.type === 'append') {
    queue.push(message.append);
    if (!scheduled) {
      scheduled = true;
      setImmediate(commitQueued);
    }
    return;
  }
  commitQueued(); // close: what is queued is committed first
  engine.close();
  post({ type: 'closed', stats: { ...engine.stats } });
  port.close();
});
