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
