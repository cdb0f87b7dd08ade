import { FdfsError } from 'fastdfs-protocol';

/** The code and one-line message a failure is reported with, on stderr and in --json results. */
export function describeError(err: unknown): { code: string; message: string } {
  const message = (err instanceof Error ? err.message : String(err)).replace(/\s*\n\s*/g, ' ');
  if (err instanceof FdfsError) return { code: err.code, message };
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return { code: typeof code === 'string' ? code : 'ERROR', message };
}
