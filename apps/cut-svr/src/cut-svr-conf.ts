import { availableParallelism } from 'node:os';
import {
  FRAME_SERVER_CONF_KEYS,
  isClusterKey,
  readClusters,
  readFrameServerConf,
  readServiceConf,
  type ClusterMap,
  type FrameServerConf,
  type ServiceConf,
} from '@pic-storage/service-process';
import { libuvPoolSize, type CropImageOptions } from './crop-image.js';

/** docs/stack.md: cut_svr listens on 9020 (a second instance on 9021, through PIC_PORT). */
export const CUT_SVR_DEFAULT_PORT = 9020;
export const CUT_SVR_CONF_FILE = 'cut-svr.conf';

/** Every default of conf/cut-svr.conf (a test holds the file equal to these). */
export const CUT_SVR_DEFAULTS = Object.freeze({
  /** Unset: defaultCropConcurrency. */
  cropConcurrency: undefined as number | undefined,
  maxQueuedCrops: 64,
  maxSourceSize: 10 * 1024 * 1024,
  maxInputPixels: 40_000_000,
  maxCropDimension: 10_000,
  imageTimeout: 20,
  jpegQuality: 90,
  webpQuality: 90,
  connectTimeout: 5,
  networkTimeout: 30,
});

export const CUT_SVR_CONF_KEYS = [
  ...FRAME_SERVER_CONF_KEYS,
  'crop_concurrency',
  'max_queued_crops',
  'max_source_size',
  'max_input_pixels',
  'max_crop_dimension',
  'image_timeout',
  'jpeg_quality',
  'webp_quality',
  'connect_timeout',
  'network_timeout',
] as const;

export interface CutSvrConf {
  server: FrameServerConf;
  /** hostid → trackers (`cluster_<hostid>` lines, PIC_TRACKER_SERVER for cluster 0). */
  clusters: ClusterMap;
  cropConcurrency: number;
  maxQueuedCrops: number;
  /** Bytes. */
  maxSourceSize: number;
  image: CropImageOptions;
  /** Milliseconds, for the FastDFS client of each cluster. */
  fdfs: { connectTimeout: number; networkTimeout: number };
}

type ConfReader = ServiceConf['conf'];

/**
 * Pictures computed at once when the conf does not say: two per core, so that a core whose
 * picture waits (its event-loop work, the fetch and the store, memory) has another to go on with
 * (on 2 cores with 4 crops in flight, ~150 crops/s against ~120 with one per core); at most the
 * libuv pool, one of whose threads each picture takes.
 */
export function defaultCropConcurrency(cores: number, poolSize: number): number {
  return Math.max(1, Math.min(2 * cores, poolSize));
}

/** The conf's values over the defaults; a bad value is a ConfigError naming file, line and key. */
export function cutSvrConfFrom(conf: ConfReader, env: NodeJS.ProcessEnv = process.env): CutSvrConf {
  const d = CUT_SVR_DEFAULTS;
  const maxInputPixels = conf.int('max_input_pixels', 1, 1_000_000_000) ?? d.maxInputPixels;
  return {
    server: readFrameServerConf(conf, CUT_SVR_DEFAULT_PORT, env),
    clusters: readClusters(conf, env),
    cropConcurrency:
      conf.int('crop_concurrency', 1, 1024) ??
      d.cropConcurrency ??
      defaultCropConcurrency(availableParallelism(), libuvPoolSize(env)),
    maxQueuedCrops: conf.int('max_queued_crops', 0, 100_000) ?? d.maxQueuedCrops,
    maxSourceSize: conf.size('max_source_size', 1, 1024 * 1024 * 1024) ?? d.maxSourceSize,
    image: {
      maxInputPixels,
      // A scale may make as many pixels as a source may have.
      maxPixels: maxInputPixels,
      maxDimension: conf.int('max_crop_dimension', 1, 100_000) ?? d.maxCropDimension,
      timeoutSeconds: conf.int('image_timeout', 1, 3600) ?? d.imageTimeout,
      jpegQuality: conf.int('jpeg_quality', 1, 100) ?? d.jpegQuality,
      webpQuality: conf.int('webp_quality', 1, 100) ?? d.webpQuality,
    },
    fdfs: {
      connectTimeout: (conf.int('connect_timeout', 1, 3600) ?? d.connectTimeout) * 1000,
      networkTimeout: (conf.int('network_timeout', 1, 3600) ?? d.networkTimeout) * 1000,
    },
  };
}

/** `$PIC_CONF_DIR/cut-svr.conf` (missing: the defaults), with PIC_PORT and PIC_TRACKER_SERVER applied. */
export function readCutSvrConf(env: NodeJS.ProcessEnv = process.env): { conf: CutSvrConf; path: string } {
  const { conf, path } = readServiceConf(CUT_SVR_CONF_FILE, CUT_SVR_CONF_KEYS, isClusterKey);
  return { conf: cutSvrConfFrom(conf, env), path };
}
