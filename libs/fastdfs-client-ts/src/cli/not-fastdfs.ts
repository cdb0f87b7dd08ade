import { type Address, formatAddress, ProtocolError } from 'fastdfs-protocol';
import { FdfsClient } from '../client.js';
import type { FdfsClientOptions } from '../options.js';

/** Each ACTIVE_TEST of the probe gets this long at most (ms): the server already answered once. */
const PROBE_TIMEOUT = 5_000;

/** `host:port` at the start of a message, as the client's connection errors begin. */
const LEADING_ADDRESS = /^((?:\[[^\]\s]+\]|[^\s:[\]]+):\d+)[:\s]/;

/**
 * Which server answered with bytes that are not FastDFS (an HTTP server on the tracker port,
 * say): the address the error names, else the first tracker, then the command's storage, that
 * fails an ACTIVE_TEST the same way. A header the client cannot read does not say where it
 * came from, hence the probe; it runs only after such a failure.
 */
export async function findNonFastdfsServer(
  err: ProtocolError,
  options: FdfsClientOptions,
  storageOf?: (client: FdfsClient) => Promise<Address | undefined>,
): Promise<string | undefined> {
  const named = LEADING_ADDRESS.exec(err.message)?.[1];
  if (named !== undefined) return named;
  const probe = new FdfsClient({
    ...options,
    connectTimeout: Math.min(options.connectTimeout ?? PROBE_TIMEOUT, PROBE_TIMEOUT),
    networkTimeout: Math.min(options.networkTimeout ?? PROBE_TIMEOUT, PROBE_TIMEOUT),
  });
  try {
    for (const tracker of probe.options.trackers) {
      if (await speaksOtherProtocol(probe, tracker)) return formatAddress(tracker);
    }
    const storage = await storageOf?.(probe).catch(() => undefined);
    if (storage !== undefined && (await speaksOtherProtocol(probe, storage))) return formatAddress(storage);
    return undefined;
  } finally {
    await probe.close();
  }
}

async function speaksOtherProtocol(client: FdfsClient, server: Address): Promise<boolean> {
  return client.activeTest(server).then(
    () => false,
    (err: unknown) => err instanceof ProtocolError,
  );
}
