/**
 * The result codes of the framed protocol, carried in a response header's `ret` and shared by
 * every service. One table: each code's name and what it tells the caller (docs/frame-protocol.md
 * lists the same table; a test holds the two equal).
 */
export const ResultCode = {
  OK: 0,
  BAD_BODY: 1001,
  UNKNOWN_CMD: 1002,
  BAD_ARGUMENT: 1003,
  NOT_FOUND: 1004,
  STORAGE_UNAVAILABLE: 1005,
  BAD_IMAGE: 1006,
  SESSION_INVALID: 1007,
  SESSION_EXPIRED: 1008,
  SESSION_EXHAUSTED: 1009,
  BACKEND_UNAVAILABLE: 1010,
  PARTIAL: 1011,
  INTERNAL: 1099,
} as const;

export type ResultCodeName = keyof typeof ResultCode;
export type ResultCodeValue = (typeof ResultCode)[ResultCodeName];

export const RESULT_CODE_TEXT: Readonly<Record<ResultCodeName, string>> = {
  OK: 'success',
  BAD_BODY: 'body length or content does not match the command',
  UNKNOWN_CMD: 'no service handles this cmd',
  BAD_ARGUMENT: 'a field is out of range',
  NOT_FOUND: 'the file does not exist',
  STORAGE_UNAVAILABLE: 'FastDFS, or another store the service needs (Redis), unreachable or failed',
  BAD_IMAGE: 'the source cannot be decoded as a picture, or exceeds the pixel limits',
  SESSION_INVALID: 'the session key does not decrypt or parse',
  SESSION_EXPIRED: 'the session key is older than its time window',
  SESSION_EXHAUSTED: 'the session key was already checked the maximum number of times',
  BACKEND_UNAVAILABLE: 'no backend for this cmd could be reached, or it timed out',
  PARTIAL: 'some items of the batch failed (see the body)',
  INTERNAL: 'internal error (logged on the server)',
};

const NAMES = new Map<number, ResultCodeName>(
  (Object.keys(ResultCode) as ResultCodeName[]).map((name) => [ResultCode[name], name]),
);

/** `BAD_BODY` for 1001; `ret 4242` for a code outside the catalogue. */
export function resultName(code: number): string {
  return NAMES.get(code) ?? `ret ${code}`;
}

/** `1004 NOT_FOUND (the file does not exist)`, for logs and CLI errors. */
export function describeResult(code: number): string {
  const name = NAMES.get(code);
  return name === undefined ? `ret ${code} (unknown result code)` : `${code} ${name} (${RESULT_CODE_TEXT[name]})`;
}

export function isResultCode(code: number): code is ResultCodeValue {
  return NAMES.has(code);
}
