import { describe, expect, it } from 'vitest';
import { ClusterClients, DEFAULT_TRACKER, isClusterKey, readClusters } from '@pic-storage/service-process';
import { ResultCode, ResultError } from '@pic-storage/frame-protocol';
import { confOf } from '../../helpers/shipped-conf.js';

describe('readClusters', () => {
  it('is the embedded FastDFS as cluster 0 when nothing is configured', () => {
    expect(readClusters(confOf(''), {})).toEqual(new Map([[0, [DEFAULT_TRACKER]]]));
  });

  it('reads cluster_<hostid> lines, each a comma list of trackers', () => {
    const conf = confOf('cluster_0 = 10.0.0.1:22122, 10.0.0.2:22122\ncluster_7 = 10.1.0.1:22122\n');
    expect(readClusters(conf, {})).toEqual(
      new Map([
        [0, ['10.0.0.1:22122', '10.0.0.2:22122']],
        [7, ['10.1.0.1:22122']],
      ]),
    );
  });

  it('takes cluster 0 from PIC_TRACKER_SERVER over the conf', () => {
    const conf = confOf('cluster_0 = 10.0.0.1:22122\ncluster_1 = 10.1.0.1:22122\n');
    const clusters = readClusters(conf, { PIC_TRACKER_SERVER: '192.168.1.5:22122,192.168.1.6:22122' });
    expect(clusters.get(0)).toEqual(['192.168.1.5:22122', '192.168.1.6:22122']);
    expect(clusters.get(1)).toEqual(['10.1.0.1:22122']);
  });

  it('names the file, line and key of a bad tracker, and a bad PIC_TRACKER_SERVER', () => {
    expect(() => readClusters(confOf('\ncluster_2 = tracker-without-port\n', 'cut-svr.conf'), {})).toThrow(
      /^cut-svr\.conf:2: cluster_2 has "tracker-without-port", not host:port$/,
    );
    expect(() => readClusters(confOf('cluster_3 =\n'), {})).toThrow(/cluster_3 must list at least one tracker/);
    expect(() => readClusters(confOf(''), { PIC_TRACKER_SERVER: 'nope' })).toThrow(/PIC_TRACKER_SERVER has "nope"/);
  });

  it('knows its keys by pattern', () => {
    expect(['cluster_0', 'cluster_12'].every(isClusterKey)).toBe(true);
    expect(['cluster_', 'cluster_x', 'clusters_1', 'cluster_1_x'].some(isClusterKey)).toBe(false);
  });
});

describe('ClusterClients', () => {
  it('refuses an unknown hostid with BAD_ARGUMENT, before any connection', async () => {
    const clients = new ClusterClients(new Map([[0, ['127.0.0.1:1']]]));
    let caught: unknown;
    try {
      clients.client(5);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ResultError);
    expect((caught as ResultError).code).toBe(ResultCode.BAD_ARGUMENT);
    expect(clients.client(0)).toBe(clients.client(0)); // one client per cluster
    await clients.close();
  });
});

describe('a tracker port', () => {
  it('is 1-65535, refused at start otherwise (not at the first request)', () => {
    expect(() => readClusters(confOf('cluster_1 = 10.0.0.1:99999'), {})).toThrow(/cluster_1 has "10\.0\.0\.1:99999"/);
    expect(() => readClusters(confOf(''), { PIC_TRACKER_SERVER: '10.0.0.1:0' })).toThrow(/PIC_TRACKER_SERVER has/);
  });
});
