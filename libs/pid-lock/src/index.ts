/** A pid lock file: one holder at a time, across processes and within this one. */
export { PidLock, LockHeldError } from './pid-lock.js';
