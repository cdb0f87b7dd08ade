import { EX_CONFIG, EX_TEMPFAIL, EX_USAGE } from '@pic-storage/service-process';

/** del_file_ontime's exit statuses (its --help lists them). */
export const Exit = {
  OK: 0,
  /** Some entries failed or were not sent (kept for the next run), or the run hit an error. */
  FAILED: 1,
  USAGE: EX_USAGE,
  /** Another run holds the lock: try again later (sysexits EX_TEMPFAIL). */
  LOCKED: EX_TEMPFAIL,
  CONFIG: EX_CONFIG,
} as const;
