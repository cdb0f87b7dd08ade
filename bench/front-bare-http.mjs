#!/usr/bin/env node
// The ceiling line of bench/front.bench.mjs's cache-hit cell: bare node:http answering every request with one
// file's bytes, held in one Buffer, and nothing else (no routing, no cache, no conditional headers).
//
//   node bench/front-bare-http.mjs <file> <port>      # listens on 127.0.0.1:<port>; SIGTERM stops it
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

const [file, port] = process.argv.slice(2);
if (file === undefined || !/^\d+$/.test(port ?? '')) {
  console.error('usage: node bench/front-bare-http.mjs <file> <port>');
  process.exit(2);
}
const body = readFileSync(file);
const headers = { 'content-type': 'image/jpeg', 'content-length': String(body.length) };
const server = createServer((_req, res) => {
  res.writeHead(200, headers);
  res.end(body);
});
server.listen(Number(port), '127.0.0.1');
process.once('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
});
