/**
 * The publishable packages as `npm pack` makes them (prepack builds first): what a tarball holds,
 * that its source maps resolve inside it, and that the fdfs CLI installs from the tarballs alone,
 * outside the repository, with no registry behind it.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedFdfs } from '@pic-storage/fdfs-embedded';
import { startEmbedded } from '../../helpers/raw-client.js';
import { REPO, listFiles, run } from './commands.js';

interface PackageJson {
  name: string;
  version: string;
  license?: string;
  repository?: { type?: string; url?: string; directory?: string };
  homepage?: string;
  bugs?: { url?: string };
  engines?: { node?: string };
  files?: string[];
  scripts?: Record<string, string>;
  private?: boolean;
  dependencies?: Record<string, string>;
}

function readPackage(dir: string): PackageJson {
  return JSON.parse(readFileSync(join(REPO, dir, 'package.json'), 'utf8')) as PackageJson;
}

/** Every libs/* package not marked private: what a release publishes. */
const PUBLISHABLE = readdirSync(join(REPO, 'libs'))
  .map((name) => `libs/${name}`)
  .filter((dir) => existsSync(join(REPO, dir, 'package.json')) && readPackage(dir).private !== true);

/** fastdfs-client-ts and, transitively, the workspace packages it depends on. */
function workspaceClosure(root: string): string[] {
  const dirByName = new Map(PUBLISHABLE.map((dir) => [readPackage(dir).name, dir]));
  const found = new Set<string>([root]);
  for (const dir of found) {
    for (const dep of Object.keys(readPackage(dir).dependencies ?? {})) {
      const depDir = dirByName.get(dep);
      if (depDir !== undefined) found.add(depDir);
    }
  }
  return [...found];
}
const CLI_PACKAGES = workspaceClosure('libs/fastdfs-client-ts');

interface Packed {
  name: string;
  tarball: string;
  /** Where the tarball was unpacked: its `package/` folder. */
  root: string;
  files: string[];
}

let tmp: string;
const packed = new Map<string, Packed>();

/**
 * An output left in dist/ by a source since removed, as a long-lived working tree has them:
 * prepack must delete it, or the tarball ships it with a map pointing at a missing source.
 */
const STALE = { dir: 'libs/framing', stem: 'dist/zz-removed-source' };
const staleFiles = [`${STALE.stem}.js`, `${STALE.stem}.js.map`];

async function plantStaleOutput(): Promise<void> {
  const base = join(REPO, STALE.dir);
  await mkdir(join(base, 'dist'), { recursive: true });
  await writeFile(join(base, `${STALE.stem}.js`), 'export {};\n//# sourceMappingURL=zz-removed-source.js.map\n');
  const map = { version: 3, file: 'zz-removed-source.js', sources: ['../src/zz-removed-source.ts'], mappings: '' };
  await writeFile(join(base, `${STALE.stem}.js.map`), JSON.stringify(map));
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'pic-pack-'));
  await plantStaleOutput();
  // One package at a time: each prepack runs `tsc -b`, and two builds must not write the same dist/.
  for (const dir of PUBLISHABLE) {
    const dest = join(tmp, 'tarballs');
    await mkdir(dest, { recursive: true });
    const pack = await run('npm', ['pack', '--json', '--pack-destination', dest], join(REPO, dir), 120_000);
    expect(pack.code, `npm pack in ${dir}\n${pack.stdout}\n${pack.stderr}`).toBe(0);
    const [info] = JSON.parse(pack.stdout) as [{ name: string; filename: string }];
    const tarball = join(dest, info.filename);
    const unpacked = join(tmp, 'unpacked', info.filename);
    await mkdir(unpacked, { recursive: true });
    const untar = await run('tar', ['-xzf', tarball, '-C', unpacked], tmp);
    expect(untar.code, untar.stderr).toBe(0);
    const root = join(unpacked, 'package');
    packed.set(dir, { name: info.name, tarball, root, files: await listFiles(root) });
  }
}, 300_000);

afterAll(async () => {
  for (const file of staleFiles) await rm(join(REPO, STALE.dir, file), { force: true });
  if (tmp !== undefined) await rm(tmp, { recursive: true, force: true });
});

function get(dir: string): Packed {
  const p = packed.get(dir);
  if (p === undefined) throw new Error(`${dir} was not packed`);
  return p;
}

it('publishes the libraries, and the client needs the protocol, conf and framing packages beside it', () => {
  const libraries = ['fastdfs-protocol', 'fastdfs-conf', 'framing', 'fastdfs-client-ts', 'fdfs-embedded'];
  expect(PUBLISHABLE).toEqual(expect.arrayContaining(libraries.map((name) => `libs/${name}`)));
  expect([...CLI_PACKAGES].sort()).toEqual(
    ['libs/fastdfs-client-ts', 'libs/fastdfs-conf', 'libs/fastdfs-protocol', 'libs/framing'].sort(),
  );
});

it('prepack deletes the outputs of removed sources: neither packed nor left in dist/', () => {
  const { files } = get(STALE.dir);
  for (const file of staleFiles) {
    expect(files).not.toContain(file.split('/').join(sep));
    expect(existsSync(join(REPO, STALE.dir, file))).toBe(false);
  }
  expect(files).toContain(join('dist', 'index.js'));
});

describe.each(PUBLISHABLE)('the %s tarball', (dir) => {
  it('holds LICENSE, README and the publishing metadata; prepack builds it', async () => {
    const { root, files } = get(dir);
    expect(files).toEqual(expect.arrayContaining(['package.json', 'LICENSE', 'README.md']));
    const license = await readFile(join(root, 'LICENSE'), 'utf8');
    expect(license).toBe(await readFile(join(REPO, 'LICENSE'), 'utf8'));
    expect(license).toMatch(/^MIT License\n\nCopyright \(c\) 2026 pic-storage contributors\n/);

    const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as PackageJson;
    expect(pkg.private).toBeUndefined();
    expect(pkg.license).toBe('MIT');
    expect(pkg.repository).toEqual({
      type: 'git',
      url: 'git+https://github.com/pic-storage/pic-storage.git',
      directory: dir,
    });
    expect(pkg.homepage).toBe(`https://github.com/pic-storage/pic-storage/tree/main/${dir}#readme`);
    expect(pkg.bugs).toEqual({ url: 'https://github.com/pic-storage/pic-storage/issues' });
    expect(pkg.engines?.node).toMatch(/^>=\d+/);
    expect(pkg.files).toEqual(expect.arrayContaining(['dist', 'src', 'LICENSE', 'README.md']));
    expect(pkg.scripts?.prepack).toBe('node ../../scripts/build-for-pack.mjs');
  });

  it('ships a source map and a declaration map for every emitted file, and each resolves to a shipped source', async () => {
    const { root, files } = get(dir);
    const emitted = files.filter((f) => f.startsWith(`dist${sep}`) && (f.endsWith('.js') || f.endsWith('.d.ts')));
    expect(emitted.length).toBeGreaterThan(0);
    const problems: string[] = [];
    for (const file of emitted) {
      // tsc ends each emitted file with the map's name, relative to the file.
      const text = await readFile(join(root, file), 'utf8');
      const url = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(text)?.[1];
      if (url === undefined) {
        problems.push(`${file}: no sourceMappingURL`);
        continue;
      }
      const mapPath = resolve(root, dirname(file), url);
      if (!existsSync(mapPath)) {
        problems.push(`${file}: ${url} is not in the tarball`);
        continue;
      }
      const map = JSON.parse(await readFile(mapPath, 'utf8')) as { sources: string[]; sourceRoot?: string };
      expect(map.sources.length, mapPath).toBeGreaterThan(0);
      for (const source of map.sources) {
        const target = resolve(dirname(mapPath), map.sourceRoot ?? '', source);
        if (!target.startsWith(root + sep) || !existsSync(target))
          problems.push(`${url}: ${source} is not in the tarball`);
      }
    }
    expect(problems).toEqual([]);
    // The TypeScript the maps point at is shipped, not only the maps.
    expect(files.some((f) => f.startsWith(`src${sep}`) && f.endsWith('.ts'))).toBe(true);
  });
});

describe('the fdfs CLI installed from the tarballs, outside the repository', () => {
  let work: string;
  let server: EmbeddedFdfs;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'pic-fdfs-install-'));
    ({ server } = await startEmbedded({}, join(work, 'store')));
  });

  afterAll(async () => {
    await server?.stop();
    if (work !== undefined) await rm(work, { recursive: true, force: true });
  });

  it('`npm install --global` of its tarballs needs no registry, and fdfs runs from the prefix', async () => {
    const prefix = join(work, 'prefix');
    // An empty cache and --offline: whatever installs came from the tarballs given, nothing from a registry.
    const cache = join(work, 'empty-npm-cache');
    const tarballs = CLI_PACKAGES.map((dir) => get(dir).tarball);
    const install = await run(
      'npm',
      [
        'install',
        '--global',
        '--prefix',
        prefix,
        '--cache',
        cache,
        '--offline',
        '--no-audit',
        '--no-fund',
        ...tarballs,
      ],
      work,
      120_000,
    );
    expect(install.code, install.stderr).toBe(0);

    // The dependencies resolved to the installed tarballs, not to copies nested under the client.
    const modules = join(prefix, 'lib', 'node_modules');
    expect(existsSync(join(modules, 'fastdfs-client-ts', 'node_modules'))).toBe(false);
    for (const dir of CLI_PACKAGES) {
      const pkg = JSON.parse(await readFile(join(modules, get(dir).name, 'package.json'), 'utf8')) as PackageJson;
      expect(pkg.repository?.directory).toBe(dir);
    }

    const fdfs = join(prefix, 'bin', 'fdfs');
    const help = await run(fdfs, ['--help'], work);
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout).toMatch(/^usage: fdfs /);

    const { version } = JSON.parse(await readFile(join(REPO, 'libs/fastdfs-client-ts/package.json'), 'utf8')) as {
      version: string;
    };
    const printed = await run(fdfs, ['--version'], work);
    expect(printed.code, printed.stderr).toBe(0);
    expect(printed.stdout).toContain(version);

    // And it does the work, with only what was installed: a round trip through the embedded server.
    const content = randomBytes(1500);
    await writeFile(join(work, 'picture.png'), content);
    const tracker = `127.0.0.1:${server.trackerAddress.port}`;
    const up = await run(fdfs, ['--tracker', tracker, 'upload', 'picture.png'], work);
    expect(up.code, up.stderr).toBe(0);
    const id = up.stdout.trim();
    expect(id).toMatch(/^group1\/M00\/.+\.png$/);
    const down = await run(fdfs, ['--tracker', tracker, 'download', id, 'copy.png'], work);
    expect(down.code, down.stderr).toBe(0);
    expect(await readFile(join(work, 'copy.png'))).toEqual(content);
  }, 120_000);

  it('`npx -p <each tarball> fdfs --help` runs it too, without a registry', async () => {
    const cache = join(work, 'npx-cache');
    const args = ['--cache', cache, '--offline', '--yes'];
    for (const dir of CLI_PACKAGES) args.push('-p', get(dir).tarball);
    const npx = await run('npx', [...args, 'fdfs', '--help'], work, 120_000);
    expect(npx.code, npx.stderr).toBe(0);
    expect(npx.stdout).toMatch(/^usage: fdfs /);
  }, 120_000);

  it('the client tarball alone cannot install offline: its workspace dependencies are not on the registry', async () => {
    const install = await run(
      'npm',
      [
        'install',
        '--global',
        '--prefix',
        join(work, 'alone'),
        '--cache',
        join(work, 'alone-cache'),
        '--offline',
        '--no-audit',
        '--no-fund',
        get('libs/fastdfs-client-ts').tarball,
      ],
      work,
      120_000,
    );
    expect(install.code).not.toBe(0);
    expect(install.stderr).toContain('ENOTCACHED');
  }, 120_000);
});
