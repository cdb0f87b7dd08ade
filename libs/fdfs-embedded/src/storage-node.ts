import type { Address } from 'fastdfs-protocol';
import type { ResolvedEmbeddedOptions } from './options.js';
import type { StorageState } from './state.js';
import type { Store } from './store.js';

/** What the tracker and storage handlers share: the one storage of the embedded cluster. */
export interface StorageNode {
  readonly options: ResolvedEmbeddedOptions;
  readonly store: Store;
  readonly state: StorageState;
  /** The port the storage really listens on (the configured one may be 0). */
  readonly storagePort: number;
  /** Unix seconds when this process started serving. */
  readonly upTime: number;
}

/** The storage's address as the tracker hands it out: the source IP and the real port. */
export function storageAddress(node: StorageNode): Address {
  return { host: node.options.sourceIp, port: node.storagePort };
}
