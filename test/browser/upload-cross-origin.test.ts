/**
 * upload.cgi from a real browser on another origin, as a game's page uses it: Debian's chromium
 * (driven by playwright-core, headless) loads a page from a node:http server on its own port,
 * whose <form> (file input, hidden session_key and type) is posted with fetch(FormData) to a real
 * front; the page reads the JSON answer and shows <img src=".../download.fcgi/<lloc>">.
 *
 *   - from an origin in cors_origins: the picture is stored, registered in metadata_dbsvr, and
 *     the browser loads it at the size the session key's limits fit it to;
 *   - from an origin not listed: the browser keeps the answer from the page (fetch rejects), and
 *     the front refused it: nothing stored, no metadata row.
 *
 * Skipped, saying so, where /usr/bin/chromium (or $CHROMIUM_BIN) is missing; .ci/run installs it.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Browser, type Page } from 'playwright-core';
import { hasChromium, launchChromium, warnWhenNoChromium } from '../helpers/chromium.js';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ALL_ALBUMS,
  Cmd,
  decodeMetadataListResponse,
  encodeMetadataListRequest,
  type PictureRow,
} from '@pic-storage/frame-protocol';
import { FrameClient } from '@pic-storage/frame-service';
import {
  startFrontBackends,
  startTestFront,
  stopAll,
  testSessionKey,
  type FrontBackends,
  type TestFront,
} from '../helpers/front-server.js';
import { quadrantPicture } from '../helpers/test-pictures.js';

const TITLE = 'upload.cgi from a real browser on another origin';

/** Milliseconds for any one browser step (launch, navigation, the upload and the picture's load). */
const STEP_TIMEOUT_MS = 30_000;

/** The picture uploaded, and the limits its session key sets: it is fitted to 200 × 100. */
const PICTURE = { width: 300, height: 150 } as const;
const LIMITS = { widthLimit: 200, heightLimit: 200 } as const;
const FITTED = { width: 200, height: 100 } as const;

warnWhenNoChromium(TITLE);

/** What the page's script saw: state is loaded | refused | img-error | fetch-rejected. */
interface PageOutcome {
  state: string;
  answer: Record<string, unknown> | undefined;
  error: string;
  /** The picture's naturalWidth x naturalHeight once it loaded in the page. */
  size: string | undefined;
}

describe.skipIf(!hasChromium)(TITLE, () => {
  let backends: FrontBackends | undefined;
  let front: TestFront | undefined;
  let browser: Browser | undefined;
  /** The game's page, on the origin cors_origins lists. */
  let allowedPages: Server | undefined;
  /** The same page from an origin not listed (another port is another origin). */
  let otherPages: Server | undefined;
  let allowedOrigin: string;
  let otherOrigin: string;
  let metadata: FrameClient | undefined;
  let jpeg: Buffer;

  beforeAll(async () => {
    jpeg = await quadrantPicture('jpeg', PICTURE.width, PICTURE.height);
    backends = await startFrontBackends();
    metadata = new FrameClient({ ...backends.metadata.address, requestTimeoutMs: STEP_TIMEOUT_MS });
    // The page servers listen before the front starts: the front's cors_origins names one of them.
    let frontUrl = '';
    const pageHandler = (req: IncomingMessage, res: ServerResponse) => servePage(req, res, frontUrl);
    allowedPages = await listen(pageHandler);
    otherPages = await listen(pageHandler);
    allowedOrigin = originOf(allowedPages);
    otherOrigin = originOf(otherPages);
    front = await startTestFront(backends, { cors_origins: allowedOrigin });
    frontUrl = front.url;
    browser = await launchChromium(STEP_TIMEOUT_MS);
  });

  afterAll(async () => {
    await browser?.close();
    await metadata?.close();
    await stopAll(front, backends);
    for (const server of [allowedPages, otherPages]) {
      server?.closeAllConnections();
      await new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())));
    }
  });

  /** Opens the page on `origin`, picks `jpeg` in its file input and submits; waits for the script's outcome. */
  async function uploadFromPage(origin: string, sessionKey: string, fileName: string): Promise<PageOutcome> {
    const page: Page = await browser!.newPage();
    page.setDefaultTimeout(STEP_TIMEOUT_MS);
    try {
      await page.goto(`${origin}/game.html?session_key=${sessionKey}`);
      await page.setInputFiles('input[type=file]', { name: fileName, mimeType: 'image/jpeg', buffer: jpeg });
      await page.click('button[type=submit]');
      await page.waitForSelector('#outcome[data-state]', { state: 'attached' });
      // Read from attributes the page's script set: the test's own code runs in Node, not in the page.
      const outcome = page.locator('#outcome');
      const answer = await outcome.getAttribute('data-answer');
      return {
        state: (await outcome.getAttribute('data-state')) ?? '',
        answer: answer === null ? undefined : (JSON.parse(answer) as Record<string, unknown>),
        error: (await outcome.textContent()) ?? '',
        size: (await outcome.getAttribute('data-size')) ?? undefined,
      };
    } finally {
      await page.close();
    }
  }

  async function metadataRows(uid: number): Promise<PictureRow[]> {
    const response = await metadata!.request(
      Cmd.METADATA_LIST,
      encodeMetadataListRequest({ uid, albumid: ALL_ALBUMS, beforePhotoid: 0, limit: 100 }),
    );
    expect(response.ret).toBe(0);
    return decodeMetadataListResponse(response.body).rows;
  }

  it('from a listed origin: stored, registered, and shown at the fitted size', async () => {
    const uid = 7001;
    const storedBefore = await backends!.storedFileCount();
    const outcome = await uploadFromPage(allowedOrigin, testSessionKey({ uid, albumid: 9, ...LIMITS }), 'sunset.jpg');

    expect(outcome.state, outcome.error).toBe('loaded');
    expect(outcome.answer).toMatchObject({
      result: 'success',
      albumid: 9,
      hostid: 0,
      file_name: 'sunset.jpg',
      lloc: expect.stringMatching(/^group1\/M00\/[0-9A-F]{2}\/[0-9A-F]{2}\/[A-Za-z0-9_-]{27}\d{3}\.jpg$/),
    });
    expect(outcome.size).toBe(`${FITTED.width}x${FITTED.height}`);

    const answer = outcome.answer as { lloc: string; len: number; photoid: number };
    const stored = await backends!.fdfsClient.download(answer.lloc);
    expect(stored.length).toBe(answer.len);
    expect(await sharp(stored).metadata()).toMatchObject({ format: 'jpeg', ...FITTED });
    expect(await backends!.storedFileCount()).toBe(storedBefore + 1);

    const rows = await metadataRows(uid);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ photoid: answer.photoid, albumid: 9, fdfsUrl: answer.lloc, ...FITTED });
    expect(answer.photoid).toBeGreaterThan(0);
  });

  it('from an origin not listed: the browser keeps the answer from the page, and nothing is stored', async () => {
    const uid = 7002;
    const sessionKey = testSessionKey({ uid, albumid: 9, ...LIMITS });
    const storedBefore = await backends!.storedFileCount();
    const refusedBefore = await uploadRefusals(front!.url);

    const outcome = await uploadFromPage(otherOrigin, sessionKey, 'stolen.jpg');

    expect(outcome.state, outcome.error).toBe('fetch-rejected');
    expect(outcome.answer).toBeUndefined();
    expect(outcome.size).toBeUndefined();
    // The browser did send it (a multipart POST needs no preflight), and the front refused it.
    expect(await uploadRefusals(front!.url)).toBe(refusedBefore + 1);
    expect(await backends!.storedFileCount()).toBe(storedBefore);
    expect(await metadataRows(uid)).toEqual([]);

    // The same key from the listed origin works: what was refused was the origin.
    const allowed = await uploadFromPage(allowedOrigin, sessionKey, 'mine.jpg');
    expect(allowed.state, allowed.error).toBe('loaded');
    expect(await backends!.storedFileCount()).toBe(storedBefore + 1);
    expect(await metadataRows(uid)).toHaveLength(1);
  });
});

/**
 * The game's page: a real form, posted by script with fetch(FormData) to the front, as a page
 * that stays open after the upload does. The outcome is left in #outcome's data attributes.
 */
function gamePage(frontUrl: string, sessionKey: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Upload a picture</title></head>
<body>
<form id="upload" method="post" enctype="multipart/form-data" action="${frontUrl}/upload.cgi">
  <input type="hidden" name="session_key" value="${sessionKey}">
  <input type="hidden" name="type" value="jpg">
  <input type="file" name="file" accept="image/*">
  <button type="submit">Upload</button>
</form>
<p id="outcome"></p>
<div id="pictures"></div>
<script>
const FRONT = ${JSON.stringify(frontUrl)};
const outcome = document.getElementById('outcome');
document.getElementById('upload').addEventListener('submit', async (event) => {
  event.preventDefault();
  let answer;
  try {
    const response = await fetch(FRONT + '/upload.cgi', { method: 'POST', body: new FormData(event.target) });
    answer = await response.json();
  } catch (err) {
    outcome.textContent = String(err);
    outcome.dataset.state = 'fetch-rejected';
    return;
  }
  outcome.dataset.answer = JSON.stringify(answer);
  if (answer.result !== 'success') {
    outcome.textContent = answer.message;
    outcome.dataset.state = 'refused';
    return;
  }
  const img = document.createElement('img');
  img.id = 'uploaded';
  img.alt = answer.file_name;
  img.onload = () => {
    outcome.dataset.size = img.naturalWidth + 'x' + img.naturalHeight;
    outcome.dataset.state = 'loaded';
  };
  img.onerror = () => (outcome.dataset.state = 'img-error');
  img.src = FRONT + '/download.fcgi/' + answer.lloc;
  document.getElementById('pictures').append(img);
});
</script>
</body>
</html>
`;
}

function servePage(req: IncomingMessage, res: ServerResponse, frontUrl: string): void {
  const url = new URL(req.url ?? '/', 'http://page.invalid');
  const sessionKey = url.searchParams.get('session_key') ?? '';
  if (req.method !== 'GET' || url.pathname !== '/game.html' || !/^[0-9a-f]{48}$/.test(sessionKey)) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    return;
  }
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(gamePage(frontUrl, sessionKey));
}

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<Server> {
  const server = createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return server;
}

function originOf(server: Server): string {
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** upload.cgi answers in the 4xx class so far, from the front's /metrics (the request histogram's count). */
async function uploadRefusals(frontUrl: string): Promise<number> {
  const response = await fetch(`${frontUrl}/metrics`, { signal: AbortSignal.timeout(STEP_TIMEOUT_MS) });
  const text = await response.text();
  const line = text
    .split('\n')
    .find(
      (l) =>
        l.startsWith('pic_front_request_duration_seconds_count{') &&
        l.includes('route="upload"') &&
        l.includes('status="4xx"'),
    );
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}
