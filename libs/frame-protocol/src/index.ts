/** The framed protocol of the pic-storage TCP services (docs/frame-protocol.md). */
export * from './header.js';
export * from './frame.js';
export * from './frame-scanner.js';
export * from './cmd.js';
export * from './result-codes.js';
export * from './result-error.js';
export * from './encoder.js';
export * from './decoder.js';
export * from './file-ref.js';
export * from './commands/pic-info.js';
export * from './commands/crop.js';
export * from './commands/queue-deletes.js';
export * from './commands/batch-delete.js';
export * from './commands/session-check.js';
export * from './commands/metadata-register.js';
export * from './commands/metadata-remove.js';
export * from './commands/metadata-list.js';
