import { createRequire } from 'node:module';

/** The native addon built from src/quickack.c (see the comment there). */
export interface QuickAckAddon {
  /** TCP_QUICKACK exists on this platform (Linux). */
  readonly supported: boolean;
  /** setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, 1): 0, or the errno. */
  setQuickAck(fd: number): number;
  /** getsockopt(TCP_QUICKACK): 1 in quick-ACK mode, 0 while ACKs are delayed, or -errno. */
  getQuickAck(fd: number): number;
}

/** Where node-gyp puts the addon, from src/ and dist/ alike. */
const ADDON_PATH = '../build/Release/tcp_quickack.node';

/** The environment variable that turns quickAck() off: PIC_TCP_QUICKACK=0. */
export const ENV_SWITCH = 'PIC_TCP_QUICKACK';

export interface AddonLoad {
  /** The loaded addon, or null when it is absent, failed to load, or the platform lacks TCP_QUICKACK. */
  addon: QuickAckAddon | null;
  /** Whether quickAck() acts: the addon is usable and PIC_TCP_QUICKACK is not 0. */
  enabled: boolean;
  /** Why quickAck() does not act; undefined when it does. */
  reason: string | undefined;
}

/**
 * Reads PIC_TCP_QUICKACK and loads the addon. An unset or empty variable and "1" enable, "0"
 * disables (the addon is still loaded, so that tests can read the kernel's state); any other
 * value throws, so that a typo does not silently pick a mode.
 */
export function loadAddon(env: NodeJS.ProcessEnv): AddonLoad {
  const setting = env[ENV_SWITCH] ?? '';
  if (setting !== '' && setting !== '0' && setting !== '1') {
    throw new Error(`${ENV_SWITCH} must be 0 (off) or 1 (on, the default), got ${JSON.stringify(setting)}`);
  }
  let addon: QuickAckAddon | null = null;
  let reason: string | undefined;
  try {
    const loaded = createRequire(import.meta.url)(ADDON_PATH) as QuickAckAddon;
    if (loaded.supported) addon = loaded;
    else reason = `TCP_QUICKACK does not exist on ${process.platform}`;
  } catch (err) {
    // Not built (no compiler at install, another OS) or built for another Node ABI.
    reason = `the native addon did not load: ${(err as Error).message.split('\n')[0] ?? String(err)}`;
  }
  if (addon !== null && setting === '0') reason = `disabled by ${ENV_SWITCH}=0`;
  return { addon, enabled: reason === undefined, reason };
}
