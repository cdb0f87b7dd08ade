/** The part of a pino logger the runtime uses (pino's own `(object, message)` call shape). */
export interface ServiceLogger {
  info(object: object, message?: string): void;
  warn(object: object, message?: string): void;
  error(object: object, message?: string): void;
}

export const SILENT_LOGGER: ServiceLogger = { info() {}, warn() {}, error() {} };
