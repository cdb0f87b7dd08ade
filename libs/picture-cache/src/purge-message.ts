/*
 * A purge broadcast on the Redis channel (default 'pic:purge'), one JSON object per message:
 *
 *   {"from":"<instance id of the sender>","keys":["g01/M00/00/00/CgEBxV....jpg", ...]}
 *
 * `from` lets the sender ignore its own message; `keys` holds 1 to MAX_PURGE_KEYS keys, each a
 * non-empty string of at most MAX_PURGE_KEY_LENGTH characters. A longer purge is sent as several
 * messages. Anything else is malformed: logged by the receiver and ignored.
 */

export const MAX_PURGE_KEYS = 4096;
export const MAX_PURGE_KEY_LENGTH = 1024;
/** The largest well-formed message, give or take JSON escapes: a bound checked before parsing. */
const MAX_MESSAGE_LENGTH = MAX_PURGE_KEYS * (MAX_PURGE_KEY_LENGTH + 3) + 1024;

export interface PurgeMessage {
  from: string;
  keys: string[];
}

/** The messages announcing `keys` (MAX_PURGE_KEYS a message at most). */
export function encodePurgeMessages(from: string, keys: readonly string[]): string[] {
  const messages: string[] = [];
  for (let i = 0; i < keys.length; i += MAX_PURGE_KEYS) {
    messages.push(JSON.stringify({ from, keys: keys.slice(i, i + MAX_PURGE_KEYS) }));
  }
  return messages;
}

/** The message, or a string saying why it is malformed. */
export function decodePurgeMessage(text: string): PurgeMessage | string {
  if (text.length > MAX_MESSAGE_LENGTH) return `longer than ${MAX_MESSAGE_LENGTH} characters`;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'not JSON';
  }
  if (typeof value !== 'object' || value === null) return 'not a JSON object';
  const { from, keys } = value as Record<string, unknown>;
  if (typeof from !== 'string' || from === '') return '"from" is not a non-empty string';
  if (!Array.isArray(keys) || keys.length === 0 || keys.length > MAX_PURGE_KEYS) {
    return `"keys" is not an array of 1 to ${MAX_PURGE_KEYS} keys`;
  }
  for (const key of keys) {
    if (typeof key !== 'string' || key === '' || key.length > MAX_PURGE_KEY_LENGTH) {
      return `a key is not a string of 1 to ${MAX_PURGE_KEY_LENGTH} characters`;
    }
  }
  return { from, keys: keys as string[] };
}
