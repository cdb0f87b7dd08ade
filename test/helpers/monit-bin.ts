/** `monit` as cron runs it: the bin (apps/monit/bin/monit.mjs, on the built dist) as a process of its own. */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const MONIT_BIN = fileURLToPath(new URL('../../apps/monit/bin/monit.mjs', import.meta.url));

/** Runs `monit <args>`; resolves with its exit code and stdout (stderr passes through). */
export function runMonitBin(args: readonly string[]): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [MONIT_BIN, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.on('close', (code) => resolve({ code, stdout }));
  });
}

/** The bin runs the built dist: say so plainly when `file` (under apps/monit/dist) is missing. */
export function assertMonitBuilt(file: string): void {
  if (!existsSync(fileURLToPath(new URL(`../../apps/monit/dist/${file}`, import.meta.url)))) {
    throw new Error(`apps/monit/dist is missing ${file}: run npx tsc -b first`);
  }
}
