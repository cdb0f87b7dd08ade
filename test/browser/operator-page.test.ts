/**
 * The front's operator page in a real browser (Debian's chromium, driven by playwright-core,
 * headless), on a real front over the embedded FastDFS, sampling every 250 ms:
 *
 *   - traffic (hits and misses) is charted: the screenshot, decoded with sharp, shows both series'
 *     stroke colours inside the plot area; the FastDFS table lists the group and its storage
 *     ACTIVE; a file id typed in the box is decoded as decodeFileId decodes it, its picture loads
 *     at its size, and Purge drops it from the cache (/status says so);
 *   - a client not on purge_allow gets 401 and a Basic challenge; with the purge secret as the
 *     password the page loads, charts, and its Purge button works.
 *
 * No script error and no Content-Security-Policy violation may show in the browser's console.
 * The screenshots go to a temp folder (printed), never into the repository. Skipped, saying so,
 * where /usr/bin/chromium (or $CHROMIUM_BIN) is missing; .ci/run installs it.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { hasChromium, launchChromium, warnWhenNoChromium } from '../helpers/chromium.js';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeFileId } from 'fastdfs-client-ts';
import {
  frontCacheStatus,
  startFrontBackends,
  startTestFront,
  stopAll,
  type FrontBackends,
  type TestFront,
} from '../helpers/front-server.js';
import { QUADRANTS, quadrantPicture, type Rgb } from '../helpers/test-pictures.js';

const TITLE = 'the operator page in a real browser';

/** Milliseconds for any one browser step (launch, navigation, a selector to appear). */
const STEP_TIMEOUT_MS = 20_000;
const SECRET = 'operator-Secret-2';
/** The picture looked up: its size must come back as the <img>'s natural size. */
const PICTURE = { width: 240, height: 160 } as const;
/** The series' stroke colours (apps/front/operator-page/operator.js COLORS). */
const RATE_COLOR: Rgb = [0x25, 0x63, 0xeb];
const RATIO_COLOR: Rgb = [0x16, 0xa3, 0x4a];

warnWhenNoChromium(TITLE);

describe.skipIf(!hasChromium)(TITLE, () => {
  let backends: FrontBackends | undefined;
  /** Loopback allowed (the default purge_allow). */
  let front: TestFront | undefined;
  /** Loopback not allowed: the purge secret opens it. */
  let guarded: TestFront | undefined;
  let browser: Browser | undefined;
  let shots: string;
  let pictureId: string;

  beforeAll(async () => {
    shots = await mkdtemp(join(tmpdir(), 'pic-operator-page-'));
    backends = await startFrontBackends();
    const hooks = { operatorSampleIntervalMs: 250, fastdfsWatchIntervalMs: 500 };
    front = await startTestFront(backends, {}, { hooks });
    guarded = await startTestFront(backends, { purge_allow: '203.0.113.7', purge_secret: SECRET }, { hooks });
    pictureId = await backends.fdfsClient.upload(await quadrantPicture('jpeg', PICTURE.width, PICTURE.height), {
      ext: 'jpg',
    });
    browser = await launchChromium(STEP_TIMEOUT_MS);
  });

  afterAll(async () => {
    await browser?.close();
    await stopAll(front, guarded, backends);
  });

  /** A page whose console errors (a script error, a CSP violation) are collected in `problems`. */
  async function openPage(context: BrowserContext): Promise<{ page: Page; problems: string[] }> {
    const page = await context.newPage();
    page.setDefaultTimeout(STEP_TIMEOUT_MS);
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('pageerror', (err) => problems.push(err.message));
    page.on('response', (response) => {
      if (response.status() >= 400) problems.push(`${response.status()} ${response.url()}`);
    });
    return { page, problems };
  }

  it('charts hits and misses, lists FastDFS, decodes a file id, shows the picture and purges it', async () => {
    const fdfs = backends!.fdfsClient;
    // Traffic before the page opens (the history holds it): each round one fresh file (a miss) and
    // the hot file twice (hits), over about twelve sample intervals.
    const hot = await fdfs.upload(Buffer.alloc(4000, 1), { ext: 'png' });
    for (let round = 0; round < 24; round++) {
      const fresh = await fdfs.upload(Buffer.alloc(2000 + round, 2), { ext: 'png' });
      for (const id of [fresh, hot, hot]) expect((await fetch(`${front!.url}/download.fcgi/${id}`)).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 120));
    }

    const context = await browser!.newContext({ viewport: { width: 1280, height: 1100 } });
    const { page, problems } = await openPage(context);
    try {
      const opened = await page.goto(`${front!.url}/operator`);
      expect(opened?.status()).toBe(200);
      await page.waitForSelector('#chart[data-ratio-points]:not([data-ratio-points="0"]) canvas');
      // (Expressions as strings: they run in the page, whose DOM types the tests' TypeScript does not load.)
      await page.waitForFunction('Number(document.getElementById("chart").dataset.ratioPoints) >= 4');

      // FastDFS: the group of the file, its storage as the tracker lists it, ACTIVE.
      const group = decodeFileId(pictureId).group;
      const storages = await fdfs.listStorages(group);
      expect(storages.length).toBeGreaterThan(0);
      const row = page.locator(`#fastdfs-table tbody tr[data-group="${group}"]`).first();
      await row.waitFor();
      expect(await row.getAttribute('data-status')).toBe('ACTIVE');
      expect(storages.map((s) => s.id)).toContain(await row.getAttribute('data-storage'));
      expect(await row.locator('.pill').textContent()).toBe('ACTIVE');
      expect(await page.locator('#fastdfs-state').textContent()).toBe('up');

      // The file box: decoded as decodeFileId decodes it, and the picture at its size.
      const info = decodeFileId(pictureId);
      await page.fill('#file-id', `${front!.url}/download.fcgi/${pictureId}`);
      await page.click('#file-form button[type=submit]');
      await page.waitForSelector('#file-picture[data-loaded]');
      const field = (name: string) => page.locator(`#file-fields dd[data-field="${name}"]`).textContent();
      expect(await field('file_id')).toBe(pictureId);
      expect(await field('group')).toBe(info.group);
      expect(await field('created')).toBe(
        `${new Date(info.createTimestamp * 1000).toISOString()} (${info.createTimestamp})`,
      );
      expect(await field('size')).toMatch(new RegExp(`^${info.fileSize} bytes`));
      expect(await field('crc32')).toBe(info.crc32.toString(16).padStart(8, '0'));
      // Looked up before the page's own <img> fetched it; the page asks again once it has loaded.
      await page.waitForSelector('#file-fields dd[data-field="cached"]:text-is("yes")');
      expect(await page.locator('#file-picture').getAttribute('data-loaded')).toBe(
        `${PICTURE.width}x${PICTURE.height}`,
      );
      expect(await page.evaluate('document.getElementById("file-picture").naturalWidth')).toBe(PICTURE.width);

      // The screenshot: both series drawn in the plot area, the picture shown, the page not blank.
      const screenshot = await page.screenshot({ fullPage: true });
      const file = join(shots, 'operator-page.png');
      await writeFile(file, screenshot);
      console.info(`${TITLE}: screenshot at ${file}`);
      const shot = await decodePng(screenshot);
      const plotArea = await page.locator('#chart .u-over').boundingBox();
      expect(plotArea).not.toBeNull();
      expect(shot.count(plotArea!, RATE_COLOR), 'request rate stroke pixels in the plot').toBeGreaterThan(30);
      expect(shot.count(plotArea!, RATIO_COLOR), 'hit ratio stroke pixels in the plot').toBeGreaterThan(30);
      const picture = await page.locator('#file-picture').boundingBox();
      const topLeft = { x: picture!.x + 2, y: picture!.y + 2, width: picture!.width / 2 - 4, height: 20 };
      expect(shot.count(topLeft, QUADRANTS.topLeft, 40), "the picture's red quadrant").toBeGreaterThan(100);
      expect(shot.distinctColours(), 'a page, not a blank').toBeGreaterThan(200);

      // Purge: the answer is shown, and the front no longer holds the file.
      const before = await frontCacheStatus(front!.url);
      await page.click('#purge');
      await page.waitForSelector('#purge-answer[data-status]');
      expect(await page.locator('#purge-answer').getAttribute('data-status')).toBe('200');
      const answer = (await page.locator('#purge-answer').textContent()) ?? '';
      expect(answer).toMatch(/^HTTP 200\n/);
      expect(JSON.parse(answer.slice(answer.indexOf('\n') + 1))).toMatchObject({
        result: 'success',
        purged: [pictureId],
        memory: 1,
      });
      await page.waitForSelector('#file-fields dd[data-field="cached"]:text-is("no")');
      const after = await frontCacheStatus(front!.url);
      expect(after.purged).toBe(before.purged + 1);
      expect(after.entries).toBe(before.entries - 1);

      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('a client not on purge_allow: 401 with a Basic challenge; with the secret as the password it loads', async () => {
    const anonymous = await browser!.newContext();
    try {
      const { page } = await openPage(anonymous);
      // Headless, nobody can answer the browser's password prompt: it gives the navigation up.
      const answered = page.waitForResponse(`${guarded!.url}/operator`);
      await expect(page.goto(`${guarded!.url}/operator`)).rejects.toThrow(/ERR_INVALID_AUTH_CREDENTIALS/);
      const refused = await answered;
      expect(refused.status()).toBe(401);
      expect(await refused.headerValue('www-authenticate')).toMatch(/^Basic realm="pic-storage operator"/);
    } finally {
      await anonymous.close();
    }

    const operator = await browser!.newContext({ httpCredentials: { username: 'ops', password: SECRET } });
    try {
      const { page, problems } = await openPage(operator);
      const opened = await page.goto(`${guarded!.url}/operator`);
      expect(opened?.status()).toBe(200);
      // The page's own fetches carry the credentials: the history and /status arrive.
      await page.waitForSelector('#connection[data-state="ok"]');
      await page.waitForFunction('Number(document.getElementById("chart").dataset.points) >= 1');
      expect(await page.locator('#redis-state').textContent()).toBe('off');

      expect((await fetch(`${guarded!.url}/download.fcgi/${pictureId}`)).status).toBe(200);
      const before = await frontCacheStatus(guarded!.url);
      await page.fill('#file-id', pictureId);
      await page.click('#file-form button[type=submit]');
      await page.waitForSelector('#file-picture[data-loaded]');
      await page.click('#purge');
      await page.waitForSelector('#purge-answer[data-status]');
      expect(await page.locator('#purge-answer').getAttribute('data-status')).toBe('200');
      expect((await frontCacheStatus(guarded!.url)).purged).toBe(before.purged + 1);
      await writeFile(join(shots, 'operator-page-guarded.png'), await page.screenshot({ fullPage: true }));
      expect(problems).toEqual([]);
    } finally {
      await operator.close();
    }
  });
});

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** A PNG screenshot as RGB pixels, to count colours in a region (CSS pixels: device scale 1). */
async function decodePng(png: Buffer) {
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const at = (x: number, y: number): Rgb => {
    const i = (y * info.width + x) * 3;
    return [data[i]!, data[i + 1]!, data[i + 2]!];
  };
  return {
    /** Pixels in `box` within `tolerance` of `colour` on every channel (line edges are blended). */
    count(box: Box, colour: Rgb, tolerance = 24): number {
      let n = 0;
      const x1 = Math.min(info.width, Math.floor(box.x + box.width));
      const y1 = Math.min(info.height, Math.floor(box.y + box.height));
      for (let y = Math.max(0, Math.ceil(box.y)); y < y1; y++) {
        for (let x = Math.max(0, Math.ceil(box.x)); x < x1; x++) {
          const p = at(x, y);
          if (p.every((v, c) => Math.abs(v - colour[c]!) <= tolerance)) n++;
        }
      }
      return n;
    },
    distinctColours(): number {
      const seen = new Set<number>();
      for (let i = 0; i < data.length; i += 3) seen.add((data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!);
      return seen.size;
    },
  };
}
