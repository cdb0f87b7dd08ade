/** The help texts of `session-key`: `--help` prints them on stdout, a usage error prints the usage line on stderr. */
export const ISSUE_USAGE =
  'usage: session-key issue [--key K] --uid N [--channel N] [--albumid N] [--ip A.B.C.D] [--time T] ' +
  '[--width N] [--height N] [--head]';
export const DECODE_USAGE = 'usage: session-key decode [--key K] [--window S] [--skew S] <hex>';

export const ISSUE_HELP = `${ISSUE_USAGE}

Prints a new session key (48 hex digits) alone on stdout.
  --key K        the 8-character DES key; default $PIC_SESSION_DES_KEY
  --uid N        user id, 0-65535 (required)
  --channel N    channel, 0-65535 (default 0)
  --albumid N    album id, 0-65535 (default 0)
  --ip A.B.C.D   the upload server the key is for (default 0.0.0.0: any)
  --time T       issue time in Unix seconds; its low 16 bits are kept (default now)
  --width N      maximum picture width in pixels, 0-65535 (default 0: none)
  --height N     maximum picture height in pixels, 0-65535 (default 0: none)
  --head         mark the key as an avatar upload (is_head = 1)`;

export const DECODE_HELP = `${DECODE_USAGE}

Prints the key's fields as JSON: uid, channel, albumid, ip, time, widthLimit, heightLimit,
isHead, and, checked against the current time, age (seconds; negative when issued in the
future within the skew) and valid.
  --key K        the 8-character DES key; default $PIC_SESSION_DES_KEY
  --window S     the time window in seconds (default 3600)
  --skew S       the clock skew allowed into the future, in seconds (default 300)`;

export const GENERAL_HELP = `usage: session-key issue|decode [options]   (session-key <command> --help for its options)

Issues and decodes pic-storage upload session keys (single DES-ECB, hex).
  issue    print a new session key
  decode   print a session key's fields as JSON, with its age
  --help, -h     this text
  --version      the version

Exit status: 0 done, 1 the key or DES key is bad, 2 bad usage.`;
