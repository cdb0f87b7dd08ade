/** FDFS_FILE_EXT_NAME_MAX_LEN (common/fdfs_global.h). */
const EXT_MAX = 6;
const DOT = 0x2e;
const SLASH = 0x2f;

/**
 * The extension `fdfs_upload_file` and `fdfs_upload_appender` send for a local file:
 * fdfs_get_file_ext_name (client/client_func.c), applied to the path exactly as it was typed,
 * counting bytes (UTF-8) as C does:
 *   - none when the path has no dot, when what follows its last dot is over 6 bytes
 *     (`file.longextension`), or holds a `/` (`./dir/file`);
 *   - a two-part extension (`tar.gz`) when another dot lies within the 6 bytes before the last
 *     one, strictly after the start of that window, with no `/` after it;
 *   - else what follows the last dot: `.hidden` gives `hidden`, `file.` gives ''.
 */
export function extOfLocalPath(path: string): string {
  const bytes = Buffer.from(path, 'utf8');
  const last = bytes.lastIndexOf(DOT);
  if (last < 0) return '';
  const extLength = bytes.length - last - 1;
  if (extLength > EXT_MAX || bytes.indexOf(SLASH, last + 1) >= 0) return '';
  // The window for a second dot: the C code's pStart, never before the start of the path.
  const windowStart = Math.max(0, last - (EXT_MAX - extLength) - 1);
  let p = last - 1;
  while (p > windowStart && bytes[p] !== DOT) p--;
  if (p > windowStart && bytes.subarray(p + 1, last).indexOf(SLASH) < 0) {
    return bytes.subarray(p + 1).toString('utf8');
  }
  return bytes.subarray(last + 1).toString('utf8');
}
