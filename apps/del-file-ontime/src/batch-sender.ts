import {
  Cmd,
  ResultCode,
  decodeBatchDeleteResponse,
  describeResult,
  encodeBatchDeleteRequest,
  type PicInfo,
} from '@pic-storage/frame-protocol';
import { FrameClientError, type FrameClient } from '@pic-storage/frame-service';
import { DrainStoppedError, type BatchSender, type DeleteEntry } from '@pic-storage/delete-log';

/**
 * Whole-request answers that say the backend, not an entry, is the problem: every later batch
 * would get the same, so the run stops and leaves the entries where they are for the next run.
 */
const STOPPING_RETS: ReadonlySet<number> = new Set([
  ResultCode.BACKEND_UNAVAILABLE,
  ResultCode.UNKNOWN_CMD,
  ResultCode.BAD_BODY,
]);

/**
 * cmd 3030 through admin_proxy, one request per batch. The answer is one result per entry (header
 * ret 0 or PARTIAL). Any other ret for the whole request may come from one bad entry (a hostid no
 * cluster has): the batch is then sent again one entry per request, so that only that entry fails.
 * A request without a response (connection, timeout) stops the run: it is sent again next run.
 */
export function batchDeleteSender(client: FrameClient, timeoutMs: number): BatchSender {
  const request = async (entries: readonly DeleteEntry[]): Promise<{ ret: number; results?: number[] }> => {
    const pics: PicInfo[] = entries.map((entry) => ({ hostid: entry.hostid, url: entry.fileId }));
    let response;
    try {
      response = await client.request(Cmd.BATCH_DELETE, encodeBatchDeleteRequest(pics), { timeoutMs });
    } catch (err) {
      if (err instanceof FrameClientError) {
        throw new DrainStoppedError(`cmd 3030 to ${client.address}: ${err.message}`, { cause: err });
      }
      throw err;
    }
    const { ret, body } = response;
    if (STOPPING_RETS.has(ret)) throw new DrainStoppedError(`${client.address} answered ${describeResult(ret)}`);
    if (ret !== ResultCode.OK && ret !== ResultCode.PARTIAL) return { ret };
    if (ret === ResultCode.OK && body.length === 0) return { ret, results: entries.map(() => 0) };
    let results: number[];
    try {
      results = decodeBatchDeleteResponse(body);
    } catch (err) {
      throw new DrainStoppedError(`bad cmd 3030 response from ${client.address}: ${(err as Error).message}`);
    }
    if (results.length !== entries.length) {
      throw new DrainStoppedError(
        `cmd 3030 response from ${client.address} has ${results.length} results for ${entries.length} entries`,
      );
    }
    return { ret, results };
  };

  return async (entries) => {
    const whole = await request(entries);
    if (whole.results !== undefined) return whole.results;
    if (entries.length === 1) return [whole.ret];
    const results: number[] = [];
    for (const entry of entries) {
      const one = await request([entry]);
      results.push(one.results?.[0] ?? one.ret);
    }
    return results;
  };
}
