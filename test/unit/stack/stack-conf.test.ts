import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { STACK_CONF_KEYS, STACK_DEFAULTS, readStackConf } from '../../../apps/stack/src/stack-conf.js';
import { APP_NODE_ARGS, nodeArgsOf, stackServices } from '../../../apps/stack/src/service-table.js';
import { confOf, readShippedConf } from '../../helpers/shipped-conf.js';

describe('conf/stack.conf', () => {
  it('sets exactly the defaults of the code, and documents every key', () => {
    const { conf, documented } = readShippedConf('stack.conf');
    conf.checkKeys(STACK_CONF_KEYS);
    expect([...documented].sort()).toEqual([...STACK_CONF_KEYS].sort());
    expect(readStackConf(conf, {})).toEqual(readStackConf(confOf(''), {}));
    expect(readStackConf(confOf(''), {})).toEqual({
      embeddedFdfs: true,
      cutSvrPorts: STACK_DEFAULTS.cutSvrPorts,
      delSvrPorts: STACK_DEFAULTS.delSvrPorts,
      csDelSvrPorts: STACK_DEFAULTS.csDelSvrPorts,
      frontPorts: STACK_DEFAULTS.frontPorts,
    });
  });

  it('starts no embedded FastDFS when PIC_TRACKER_SERVER names a cluster (auto), unless told to', () => {
    expect(readStackConf(confOf(''), { PIC_TRACKER_SERVER: '10.0.0.1:22122' }).embeddedFdfs).toBe(false);
    expect(readStackConf(confOf('embedded_fdfs = yes'), { PIC_TRACKER_SERVER: '10.0.0.1:22122' }).embeddedFdfs).toBe(
      true,
    );
    expect(readStackConf(confOf('embedded_fdfs = no'), {}).embeddedFdfs).toBe(false);
  });

  it('names the file, line and key of a bad value', () => {
    expect(() => readStackConf(confOf('embedded_fdfs = maybe', 'stack.conf'), {})).toThrow(
      /^stack\.conf:1: embedded_fdfs must be auto, yes or no/,
    );
    expect(() => readStackConf(confOf('\ncut_svr_ports = 9020, http', 'stack.conf'), {})).toThrow(
      /^stack\.conf:2: cut_svr_ports must be a comma list of ports, got "http"/,
    );
  });
});

describe('what npm start runs', () => {
  it('every service once, the scaled ones once per port with it as PIC_PORT, the entry points last', () => {
    const services = stackServices(readStackConf(confOf('cut_svr_ports = 1, 2, 3\nfront_ports = 8081, 8082'), {}));
    expect(services.map((s) => s.name)).toEqual([
      'fdfs-embedded',
      'metadata-dbsvr',
      'sess-check-svr',
      'del-svr#1',
      'del-svr#2',
      'cs-del-svr#1',
      'cs-del-svr#2',
      'cut-svr#1',
      'cut-svr#2',
      'cut-svr#3',
      'admin-proxy',
      'front#1',
      'front#2',
    ]);
    expect(services.filter((s) => s.app === 'cut-svr').map((s) => s.port)).toEqual([1, 2, 3]);
    expect(services.find((s) => s.app === 'admin-proxy')?.port).toBeUndefined();
    expect(services.filter((s) => s.app === 'front').map((s) => s.port)).toEqual([8081, 8082]);
  });

  it('starts the front and admin_proxy with their node options, every other service with none', () => {
    const services = stackServices(readStackConf(confOf('front_ports = 8081, 8082'), {}));
    const withArgs = services.filter((s) => s.nodeArgs !== undefined).map((s) => [s.name, s.nodeArgs]);
    expect(withArgs).toEqual([
      ['admin-proxy', ['--min-semi-space-size=16']],
      ['front#1', ['--max-semi-space-size=4']],
      ['front#2', ['--max-semi-space-size=4']],
    ]);
    // `npm start -w apps/<app>` starts the app with the same options as the stack.
    for (const app of readdirSync(new URL('../../../apps/', import.meta.url))) {
      const pkg = new URL(`../../../apps/${app}/package.json`, import.meta.url);
      const start = (JSON.parse(readFileSync(pkg, 'utf8')) as { scripts?: { start?: string } }).scripts?.start;
      if (start === undefined) continue;
      expect({ app, start }).toEqual({ app, start: ['exec node', ...nodeArgsOf(app), 'dist/main.js'].join(' ') });
    }
    // This node starts with every option named (a typo would stop the service at start: 'bad option').
    for (const args of Object.values(APP_NODE_ARGS)) {
      const run = spawnSync(process.execPath, [...args, '-e', '0'], { encoding: 'utf8' });
      expect({ args, status: run.status, stderr: run.stderr }).toEqual({ args, status: 0, stderr: '' });
    }
  });
});
