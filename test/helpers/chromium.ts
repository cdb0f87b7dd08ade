/**
 * Debian's chromium for the browser tests, driven by playwright-core (which downloads no browser of
 * its own). `.ci/run` installs it; where it is missing the tests skip, saying so.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_BIN = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM_BIN);

/** One line saying why `title` is skipped, when it is. */
export function warnWhenNoChromium(title: string): void {
  if (!hasChromium) {
    console.warn(`${title}: skipped, ${CHROMIUM_BIN} is not installed (apt-get install chromium; .ci/run does)`);
  }
}

/**
 * Headless, as root in CI (no sandbox), and none of chromium's own background connections: this
 * machine's closed network refuses them, and they would only add noise and time.
 */
export function launchChromium(timeoutMs: number): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_BIN,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
    headless: true,
    timeout: timeoutMs,
  });
}
