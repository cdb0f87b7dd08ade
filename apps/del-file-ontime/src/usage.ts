import { Exit } from './exit.js';

export const USAGE_LINE = 'usage: del_file_ontime [options] <delete.log> <host:port>';

export function helpText(): string {
  return `${USAGE_LINE}

Sends every entry del_svr logged in <delete.log> to cs_del_svr, as cmd 3030 batches through
admin_proxy at <host:port>, and keeps the entries that fail for the next run. Meant for cron;
two runs on one log never both work (the second exits ${Exit.LOCKED}). Progress goes to stderr, the
summary to stdout: "deleted N, failed M, kept for the next run: K".

options:
  --batch N      entries per request, 1-4096 (conf batch_size, default 100)
  --timeout S    seconds to wait for each response (conf network_timeout, default 30)
  --json         print the summary as one JSON object
  -h, --help     print this help
  --version      print the version

conf: $PIC_CONF_DIR/del-file-ontime.conf (default ./conf), optional.

exit status: ${Exit.OK} everything sent was deleted; ${Exit.FAILED} some entries failed or were not sent
(kept for the next run), or an error; ${Exit.USAGE} bad usage; ${Exit.LOCKED} another run holds the lock;
${Exit.CONFIG} a bad conf file.`;
}
