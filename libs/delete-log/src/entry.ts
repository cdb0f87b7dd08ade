import { badArgument, fileIdOfUrl, type PicInfo } from '@pic-storage/frame-protocol';

/*
 * The delete log is text, one entry per line (docs/services/del-svr.md):
 *
 *   <hostid>\t<file id>\n        0\tg01/M00/00/00/CgEBxVxREbmAUETXAAEqVyZGQRY768.jpg
 *
 *   hostid   decimal uint32, the storage cluster (docs/frame-protocol.md)
 *   file id  the FastDFS file id the pic_info url names, as fileIdOfUrl validated it: never the url
 *            as sent (a url may hold a tab or a newline in its host part; a file id cannot)
 *
 * Every write of the log (one group of entries) starts with '\n': a write torn by a crash leaves a
 * last line without its '\n', and the next write, by this process or another, must not glue its
 * first entry onto that fragment. So the log holds blank lines (one per group write), which readers
 * skip; a line that does not parse (a torn fragment, never acknowledged) is skipped and counted.
 */
export interface DeleteEntry {
  readonly hostid: number;
  readonly fileId: string;
}

const HOSTID_RE = /^(0|[1-9]\d{0,9})$/;
const MAX_HOSTID = 0xffffffff;
/** Longer lines are not entries (a file id is at most 16 + 1 + 127 characters): readers stop collecting them. */
export const MAX_ENTRY_LINE_LENGTH = 160;

/** The entry a 3002/3030 pic_info names; BAD_ARGUMENT (a ResultError) when its url names no valid file id. */
export function entryOfPic(pic: PicInfo): DeleteEntry {
  const parsed = fileIdOfUrl(pic.url);
  return { hostid: pic.hostid, fileId: `${parsed.group}/${parsed.filename}` };
}

/** The entries of a whole request, or BAD_ARGUMENT naming the first bad one (then none is taken). */
export function entriesOfPics(pics: readonly PicInfo[]): DeleteEntry[] {
  return pics.map((pic, i) => {
    try {
      return entryOfPic(pic);
    } catch (err) {
      throw badArgument(`pic_info[${i}]: ${(err as Error).message}`);
    }
  });
}

/** `<hostid>\t<file id>\n` for each entry, in order. */
export function formatEntries(entries: readonly DeleteEntry[]): string {
  let text = '';
  for (const { hostid, fileId } of entries) text += `${hostid}\t${fileId}\n`;
  return text;
}

/** The entry a line (without its '\n') holds, or undefined when it holds none that is valid. */
export function parseEntryLine(line: string): DeleteEntry | undefined {
  if (line.length > MAX_ENTRY_LINE_LENGTH) return undefined;
  const tab = line.indexOf('\t');
  if (tab <= 0) return undefined;
  const hostText = line.slice(0, tab);
  const fileId = line.slice(tab + 1);
  if (!HOSTID_RE.test(hostText) || Number(hostText) > MAX_HOSTID) return undefined;
  try {
    const parsed = fileIdOfUrl(fileId);
    // Exactly a file id: fileIdOfUrl would also take a url or a longer path ending in one.
    if (`${parsed.group}/${parsed.filename}` !== fileId) return undefined;
  } catch {
    return undefined;
  }
  return { hostid: Number(hostText), fileId };
}
