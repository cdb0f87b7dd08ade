/**
 * The Dockerfile reader the image tests stand on (test/helpers/dockerfile.ts): if it misread an
 * instruction or a .dockerignore rule, the replay would test another image than Docker builds.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  copyArgs,
  dockerignore,
  durationMs,
  envPairs,
  execForm,
  healthcheck,
  parseInstructions,
  parseStages,
} from '../../helpers/dockerfile.js';
import { REPO } from '../../integration/packaging/commands.js';

describe('parseInstructions / parseStages', () => {
  it('joins continuation lines, skips comments (also inside a continuation), and keeps line numbers', () => {
    const text = [
      '# a comment',
      'FROM node:20 AS build',
      'RUN apt-get update \\',
      '# inside the continuation',
      '  && apt-get install -y g++',
      '',
      'from debian:bookworm-slim',
      'CMD ["node", "main.js"]',
    ].join('\n');
    expect(parseInstructions(text)).toEqual([
      { op: 'FROM', args: 'node:20 AS build', line: 2 },
      { op: 'RUN', args: 'apt-get update && apt-get install -y g++', line: 3 },
      { op: 'FROM', args: 'debian:bookworm-slim', line: 7 },
      { op: 'CMD', args: '["node", "main.js"]', line: 8 },
    ]);
    const stages = parseStages(text);
    expect(stages.map((s) => [s.name, s.from, s.instructions.length])).toEqual([
      ['build', 'node:20', 1],
      ['1', 'debian:bookworm-slim', 1],
    ]);
  });

  it('refuses what it does not know, naming the line, rather than skip it', () => {
    expect(() => parseInstructions('FROM x\nONBUILD RUN true')).toThrow(/Dockerfile:2: ONBUILD is not an instruction/);
    expect(() => parseStages('RUN true')).toThrow(/Dockerfile:1: RUN before any FROM/);
    expect(() => parseStages('FROM a AS b c')).toThrow(/FROM <image> \[AS <name>\]/);
  });

  it('reads both Dockerfiles of the repository', () => {
    const stages = parseStages(readFileSync(join(REPO, 'Dockerfile'), 'utf8'));
    expect(stages.map((s) => s.name)).toEqual(['build', '1']);
    expect(parseStages(readFileSync(join(REPO, 'docker/fastdfs/Dockerfile'), 'utf8')).length).toBe(2);
  });
});

describe('instruction arguments', () => {
  const at = (op: string, args: string) => ({ op, args, line: 9 });

  it('reads ENV pairs, quoted values and the legacy form', () => {
    expect(envPairs(at('ENV', 'A=1 B=/data C="two words"'))).toEqual([
      ['A', '1'],
      ['B', '/data'],
      ['C', 'two words'],
    ]);
    expect(envPairs(at('ENV', 'NODE_ENV production'))).toEqual([['NODE_ENV', 'production']]);
    expect(() => envPairs(at('ENV', 'A=1 =2'))).toThrow(/Dockerfile:9: ENV must be name=value pairs/);
  });

  it('reads COPY sources, destination and --from', () => {
    expect(copyArgs(at('COPY', 'package.json tsconfig.json ./'))).toEqual({
      from: undefined,
      sources: ['package.json', 'tsconfig.json'],
      dest: './',
    });
    expect(copyArgs(at('COPY', '--from=build /app/libs ./libs'))).toEqual({
      from: 'build',
      sources: ['/app/libs'],
      dest: './libs',
    });
    expect(() => copyArgs(at('COPY', '--chown=pic a b'))).toThrow(/COPY --chown=pic is not a flag/);
  });

  it('takes CMD and HEALTHCHECK in exec form only, with the check’s options and durations', () => {
    expect(execForm(at('CMD', '["node", "a.js"]'))).toEqual(['node', 'a.js']);
    expect(() => execForm(at('CMD', 'node a.js'))).toThrow(/exec form/);
    expect(healthcheck(at('HEALTHCHECK', '--interval=30s --timeout=5s CMD ["node", "h.js"]'))).toEqual({
      options: { interval: '30s', timeout: '5s' },
      command: ['node', 'h.js'],
    });
    expect([durationMs('5s'), durationMs('1m30s'), durationMs('500ms')]).toEqual([5_000, 90_000, 500]);
    expect(() => durationMs('5')).toThrow(/not a Docker duration/);
  });
});

describe('dockerignore', () => {
  const ignored = dockerignore(['# c', '.git', '**/node_modules', '**/dist', '*.log', 'data/', '!keep.log'].join('\n'));

  it('leaves out a match and everything below it, at any depth for **/', () => {
    expect(ignored('.git/config')).toBe(true);
    expect(ignored('node_modules/x/index.js')).toBe(true);
    expect(ignored('libs/framing/node_modules/y')).toBe(true);
    expect(ignored('libs/framing/dist/index.js')).toBe(true);
    expect(ignored('data/fdfs/x')).toBe(true);
    expect(ignored('app.log')).toBe(true);
  });

  it('keeps what no rule matches, and what a later ! rule takes back', () => {
    expect(ignored('libs/framing/src/index.ts')).toBe(false);
    expect(ignored('libs/distance.ts')).toBe(false);
    expect(ignored('libs/x/app.log')).toBe(false); // *.log is at the root only
    expect(ignored('keep.log')).toBe(false);
  });

  it('keeps the repository’s sources in the image’s context and its build outputs out', () => {
    const repo = dockerignore(readFileSync(join(REPO, '.dockerignore'), 'utf8'));
    for (const kept of ['package.json', 'apps/stack/src/main.ts', 'libs/tcp-quickack/binding.gyp', 'conf/front.conf']) {
      expect(repo(kept), kept).toBe(false);
    }
    for (const left of ['node_modules/x', 'apps/front/dist/main.js', 'libs/tcp-quickack/build/x', 'data/x', 'test/x']) {
      expect(repo(left), left).toBe(true);
    }
  });
});
