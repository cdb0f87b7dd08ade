#!/usr/bin/env node
// A long fuzz of running framed services (docs/frame-protocol.md): random and mutated frames over
// several connections per address, reconnecting whenever a service closes one. A soak run, not a
// benchmark: it prints what it sent and got, then checks that every address still answers.
//
//   npm run build && node bench/frame-fuzz.mjs 127.0.0.1:9020,127.0.0.1:9010 [--frames 1000000]
//
// Options:
//   --frames N            frames per address (default 1,000,000)
//   --seed N              generator seed (default: the time; printed, so that a run can be replayed)
//   --connections N       connections per address at once (default 4)
//   --max-frame-length N  the services' max_frame_length (default 1048576)
//   --no-samples          random bodies only; by default valid-looking 3005, 3002 and 3030 bodies are
//                         mutated too, and some reach the handlers unchanged: run this against a test
//                         deployment (a 3002 sample appends entries naming a file that does not exist
//                         to del_svr's delete log; a 3030 sample deletes that same file, already gone)
//
// The frames are made by test/helpers/frame-fuzz.ts (the fuzzer the tests run), transpiled as it is
// with the root TypeScript into bench/dist/frame-fuzz.mjs; it imports the workspace packages' dist/
// (run `npm run build` first).
//
// Exit status: 0 when every address answered a request before and after the run and every response
// was well-framed; 1 otherwise; 2 for bad arguments.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import {
  Cmd,
  encodeBatchDeleteRequest,
  encodeCropRequest,
  encodeQueueDeletesRequest,
} from '@pic-storage/frame-protocol';

const ROOT = new URL('..', import.meta.url);

function usage(message) {
  console.error(`frame-fuzz: ${message}`);
  console.error(
    'usage: node bench/frame-fuzz.mjs host:port[,host:port...] [--frames N] [--seed N] ' +
      '[--connections N] [--max-frame-length N] [--no-samples]',
  );
  process.exit(2);
}

function parseArgs(argv) {
  const options = { frames: 1_000_000, seed: Date.now() % 2 ** 31, connections: 4, maxFrameLength: 1 << 20 };
  let addresses;
  let samples = true;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const number = () => {
      const value = Number(argv[++i]);
      if (!Number.isSafeInteger(value) || value <= 0) usage(`${arg} needs a positive integer`);
      return value;
    };
    if (arg === '--frames') options.frames = number();
    else if (arg === '--seed') options.seed = number();
    else if (arg === '--connections') options.connections = number();
    else if (arg === '--max-frame-length') options.maxFrameLength = number();
    else if (arg === '--no-samples') samples = false;
    else if (arg.startsWith('--')) usage(`unknown option ${arg}`);
    else if (addresses === undefined) addresses = arg.split(',').map(parseAddress);
    else usage(`unexpected argument ${arg}`);
  }
  if (addresses === undefined) usage('no address given');
  return { addresses, options, samples };
}

function parseAddress(text) {
  const match = /^(.+):(\d{1,5})$/.exec(text.trim());
  if (match === null || Number(match[2]) > 65535) usage(`bad address ${JSON.stringify(text)} (host:port)`);
  return { host: match[1].replace(/^\[(.*)\]$/, '$1'), port: Number(match[2]) };
}

/** The fuzzer of the tests, as plain ESM. */
async function loadFuzzer() {
  const source = readFileSync(new URL('test/helpers/frame-fuzz.ts', ROOT), 'utf8');
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
  });
  const dir = new URL('bench/dist/', ROOT);
  mkdirSync(dir, { recursive: true });
  const file = new URL('frame-fuzz.mjs', dir);
  writeFileSync(file, outputText);
  return import(pathToFileURL(fileURLToPath(file)).href);
}

function sampleBodies() {
  const id = 'g01/M00/00/00/CgEBxVxhGVKAVKsFAAvFE0AZv0c668.jpg'; // a well-formed id no upload produces
  const crop = { hostid: 0, fdfsUrl: id, clipW: 0, clipH: 0, startX: 0, startY: 0, thumbW: 16, thumbH: 16 };
  const list = [
    { hostid: 0, url: id },
    { hostid: 0, url: `/download.fcgi/${id}` },
  ];
  return new Map([
    [Cmd.CROP, [encodeCropRequest(crop), encodeCropRequest({ ...crop, clipW: 100, startX: -5 })]],
    [Cmd.QUEUE_DELETES, [encodeQueueDeletesRequest(list)]],
    [Cmd.BATCH_DELETE, [encodeBatchDeleteRequest(list)]],
  ]);
}

const CMDS = [
  Cmd.CROP,
  Cmd.QUEUE_DELETES,
  Cmd.BATCH_DELETE,
  Cmd.SESSION_CHECK,
  Cmd.METADATA_REGISTER,
  Cmd.METADATA_REMOVE,
  Cmd.METADATA_LIST,
];
/** A cmd nothing serves: any response at all (UNKNOWN_CMD from a service, or from admin_proxy) shows it answers. */
const PROBE_CMD = 0xfffe;

async function answers(probe, address) {
  try {
    const ret = await probe(address, PROBE_CMD, undefined, 10_000);
    return { ok: true, text: `answers (ret ${ret})` };
  } catch (err) {
    return { ok: false, text: `DOES NOT ANSWER (${err.message})` };
  }
}

const { addresses, options, samples } = parseArgs(process.argv.slice(2));
const { fuzzFrames, probe } = await loadFuzzer();
const name = (address) => `${address.host}:${address.port}`;

let failed = false;
for (const address of addresses) {
  const before = await answers(probe, address);
  if (!before.ok) {
    console.error(`frame-fuzz: before the run, ${name(address)} ${before.text}`);
    failed = true;
  }
}
if (failed) process.exit(1);

console.log(
  `fuzzing ${addresses.map(name).join(', ')}: ${options.frames} frames each, seed ${options.seed}, ` +
    `${options.connections} connections each, max_frame_length ${options.maxFrameLength}` +
    (samples ? '' : ', random bodies only'),
);
const started = Date.now();
const reports = await Promise.all(
  addresses.map((address, i) =>
    fuzzFrames(address, {
      ...options,
      seed: options.seed + i,
      cmds: CMDS,
      samples: samples ? sampleBodies() : undefined,
      onProgress: (report) => {
        if (report.sent % 100_000 === 0) console.error(`  ${name(address)}: ${report.sent} sent`);
      },
    }),
  ),
);
const seconds = (Date.now() - started) / 1000;

const COLUMNS = [
  ['frames', 'sent'],
  ['closes', 'closedByServer'],
  ['responses', 'responses'],
  ['connects', 'connects'],
  ['bad', 'badResponses'],
  ['not closed', 'notClosed'],
  ['stalls', 'stalls'],
];
const row = (first, cells) => `${first.padEnd(22)} ${cells.map((cell) => String(cell).padStart(10)).join(' ')}`;
console.log(
  `\n${row(
    'address',
    COLUMNS.map(([title]) => title),
  )}  after the run`,
);
for (const [i, address] of addresses.entries()) {
  const report = reports[i];
  const after = await answers(probe, address);
  if (!after.ok || report.badResponses > 0 || report.notClosed > 0) failed = true;
  console.log(
    `${row(
      name(address),
      COLUMNS.map(([, key]) => report[key]),
    )}  ${after.text}`,
  );
}
console.log(`\n${seconds.toFixed(1)} s`);
console.log('bad: responses that could not be framed (a server bug)');
console.log('not closed: bad lens (len < 18 or over max_frame_length) sent in step that did not close the connection');
console.log('stalls: connections that took no bytes for 10 s');
process.exit(failed ? 1 : 0);
