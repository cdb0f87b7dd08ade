#!/usr/bin/env node
// The `prepack` of every publishable package (npm runs it in the package's folder): `tsc -b` for
// that package, with a dist/ that matches src/ exactly. Plain `tsc -b` does not ensure that:
// - it never deletes the outputs of a source that was removed or renamed, so they would be packed,
//   with source maps pointing at files the tarball does not have;
// - it trusts tsconfig.tsbuildinfo, so outputs deleted by hand are not rebuilt while the project
//   looks up to date.
// Every package compiles src/ (rootDir) into dist/ (outDir), with a .map beside each output.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';

const SRC = 'src';
const DIST = 'dist';
const pkgDir = process.cwd();
const tsc = createRequire(join(pkgDir, 'package.json')).resolve('typescript/bin/tsc');

/** Every file under `dir` (absolute paths); none when it does not exist. */
function filesUnder(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

/** Deletes each output whose map names a source that no longer exists, and that map. */
function pruneStale() {
  const removed = [];
  for (const file of filesUnder(join(pkgDir, DIST))) {
    if (!file.endsWith('.map')) continue;
    let map;
    try {
      map = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      continue; // not a source map tsc wrote: not ours to judge
    }
    if (!Array.isArray(map.sources) || typeof map.file !== 'string') continue;
    const base = resolve(dirname(file), map.sourceRoot ?? '');
    if (map.sources.every((source) => existsSync(resolve(base, source)))) continue;
    for (const stale of [file, join(dirname(file), map.file)]) {
      rmSync(stale, { force: true });
      removed.push(relative(pkgDir, stale));
    }
  }
  return removed;
}

/** Sources whose .js or .d.ts is missing from dist/. */
function missingOutputs() {
  const missing = [];
  for (const file of filesUnder(join(pkgDir, SRC))) {
    if (!file.endsWith('.ts') || file.endsWith('.d.ts')) continue;
    const stem = join(pkgDir, DIST, relative(join(pkgDir, SRC), file)).slice(0, -'.ts'.length);
    if (!existsSync(`${stem}.js`) || !existsSync(`${stem}.d.ts`)) missing.push(relative(pkgDir, file));
  }
  return missing;
}

const removed = pruneStale();
if (removed.length > 0) console.error(`build-for-pack: removed stale outputs: ${removed.join(', ')}`);
execFileSync(process.execPath, [tsc, '-b'], { stdio: 'inherit' });
const missing = missingOutputs();
if (missing.length > 0) {
  console.error(`build-for-pack: outputs missing for ${missing.join(', ')}; rebuilding with --force`);
  execFileSync(process.execPath, [tsc, '-b', '--force'], { stdio: 'inherit' });
  const still = missingOutputs();
  if (still.length > 0) {
    console.error(`build-for-pack: still no outputs for ${still.join(', ')}`);
    process.exit(1);
  }
}
