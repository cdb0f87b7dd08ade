/**
 * Exit statuses from sysexits.h, so a supervisor can tell a bad conf (fix it, do not restart)
 * from a crash (1) and from a busy resource (retry later).
 */
export const EX_CONFIG = 78;
export const EX_TEMPFAIL = 75;
/** Usage errors of the CLIs, as the C tools and most Unix commands exit. */
export const EX_USAGE = 2;
