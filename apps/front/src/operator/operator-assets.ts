import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One file the operator page is made of, read once at start. */
export interface OperatorAsset {
  readonly body: Buffer;
  readonly contentType: string;
}

/**
 * The page's own files live in apps/front/operator-page/ (plain HTML, CSS and browser JS: no build
 * step), found from this module, which sits two levels below the package in src/ and dist/ alike.
 */
export const OPERATOR_PAGE_DIR = fileURLToPath(new URL('../../operator-page/', import.meta.url));

/**
 * Every asset by its path under /operator: the page, its script and style, and uPlot's build and
 * style, taken from the installed `uplot` package (not copied into the repository). Read when the
 * front starts, so that a missing file stops the start, not a request.
 */
export function loadOperatorAssets(pageDir: string = OPERATOR_PAGE_DIR): ReadonlyMap<string, OperatorAsset> {
  const uplotDir = dirname(createRequire(import.meta.url).resolve('uplot'));
  const assets: Array<[string, string, string]> = [
    ['/operator', join(pageDir, 'operator.html'), 'text/html; charset=utf-8'],
    ['/operator/operator.js', join(pageDir, 'operator.js'), 'text/javascript; charset=utf-8'],
    ['/operator/operator.css', join(pageDir, 'operator.css'), 'text/css; charset=utf-8'],
    ['/operator/favicon.svg', join(pageDir, 'favicon.svg'), 'image/svg+xml'],
    ['/operator/uplot.js', join(uplotDir, 'uPlot.iife.min.js'), 'text/javascript; charset=utf-8'],
    ['/operator/uplot.css', join(uplotDir, 'uPlot.min.css'), 'text/css; charset=utf-8'],
  ];
  return new Map(assets.map(([path, file, contentType]) => [path, { body: readFileSync(file), contentType }]));
}
