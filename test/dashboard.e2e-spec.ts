import { existsSync, mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import {
  chromium,
  type Browser,
  type BrowserContext,
  type Page,
  type Response,
} from 'playwright-core';
import { DEMO_ADMIN_TOKEN } from '../src/app.module';
import {
  enqueued,
  pollJob,
  startDemoApp,
  type DemoApp,
} from './support/demo-app';

// The dashboard in a real browser: Debian's Chromium driven by playwright-core (no browser download).
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const QUEUES = ['default', 'high_priority', 'low_priority', 'reports'];
const SCREENSHOT = path.join(__dirname, '..', 'docs', 'dashboard.png');

describe('bull-board dashboard at /admin/queues (Chromium)', () => {
  let t: DemoApp;
  let base: string;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    // A missing browser is a failure, not a skip: the issue asks for this test to run.
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `${CHROMIUM} is missing: install Debian's Chromium with "apt-get update && apt-get install -y chromium" (.ci/run does it).`,
      );
    }
    t = await startDemoApp();
    await t.app.listen(0, '127.0.0.1');
    base = await t.app.getUrl();
    // launch() gives every run a fresh temporary profile (user-data dir) and removes it on close.
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: CHROMIUM_ARGS,
      headless: true,
      timeout: 30_000,
    });
  }, 60_000);

  afterAll(async () => {
    for (const context of contexts)
      await context.close().catch(() => undefined);
    await browser?.close();
    await t?.close();
  }, 60_000);

  async function newPage(credentials?: {
    username: string;
    password: string;
  }): Promise<Page> {
    const context = await browser.newContext({
      httpCredentials: credentials,
      viewport: { width: 1280, height: 860 },
    });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    return page;
  }

  it('refuses a browser without credentials or with a wrong password (401 and a Basic challenge)', async () => {
    const anonymous = await newPage();
    const refused = await openRefused(anonymous, `${base}/admin/queues`);
    expect(refused.status).toBe(401);
    expect(refused.challenge).toMatch(/^Basic realm="nestjs-jobs"/);
    expect(refused.served).toEqual([]);

    const wrong = await newPage({
      username: 'admin',
      password: `${DEMO_ADMIN_TOKEN}x`,
    });
    expect(await openRefused(wrong, `${base}/admin/queues`)).toMatchObject({
      status: 401,
      served: [],
    });
    // bull-board's JSON API sits behind the same check, not only its HTML page.
    expect(
      await openRefused(wrong, `${base}/admin/queues/api/queues`),
    ).toMatchObject({ status: 401, served: [] });
  });

  it('shows every configured queue and a job going from active to completed', async () => {
    const page = await newPage({
      username: 'admin',
      password: DEMO_ADMIN_TOKEN,
    });
    const ok = await page.goto(`${base}/admin/queues`);
    expect(ok?.status()).toBe(200);
    for (const queue of QUEUES) {
      await page
        .getByRole('link', { name: queue, exact: true })
        .first()
        .waitFor({ state: 'visible' });
    }

    // A 3 s discovery: long enough to be seen active, then completed.
    const subnet = `10.${Math.floor(Math.random() * 200)}.${Math.floor(Math.random() * 200)}.0/24`;
    const res = await t.http
      .post('/jobs/discovery')
      .send({ subnet, seconds: 3 })
      .expect(202);
    const { id, queue } = enqueued(res);
    expect(queue).toBe('low_priority');

    await reloadUntil(
      page,
      `${base}/admin/queues/queue/low_priority?status=active`,
      id,
    );
    await pollJob(t, id, (info) => info.status === 'completed');
    await reloadUntil(
      page,
      `${base}/admin/queues/queue/low_priority?status=completed`,
      id,
    );

    // Traffic on every queue for the screenshot: discoveries running and waiting, backups done, a report failed for good.
    for (let i = 1; i <= 3; i++)
      await t.http
        .post('/jobs/discovery')
        .send({ subnet: `10.0.${i}.0/24`, seconds: 3 })
        .expect(202);
    const backups: string[] = [];
    for (let i = 1; i <= 5; i++)
      backups.push(
        enqueued(
          await t.http.post('/jobs/backup').send({ deviceId: i }).expect(202),
        ).id,
      );
    const report = enqueued(
      await t.http
        .post('/jobs/report')
        .send({ kind: 'cabling', failAttempts: 3 })
        .expect(202),
    ).id;
    for (const backup of backups)
      await pollJob(t, backup, (info) => info.status === 'completed');
    await pollJob(t, report, (info) => info.status === 'failed');
    await page.goto(`${base}/admin/queues`);
    for (const queue of QUEUES)
      await page
        .getByRole('link', { name: queue, exact: true })
        .first()
        .waitFor();
    // The README's picture is rewritten only on request (UPDATE_SCREENSHOT=1), not by every run.
    if (process.env.UPDATE_SCREENSHOT === '1') {
      mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
    }
  }, 60_000);

  it("refuses another site's form POST with the saved login (403, nothing enqueued); the dashboard's own requests still work", async () => {
    const page = await newPage({
      username: 'admin',
      password: DEMO_ADMIN_TOKEN,
    });
    expect((await page.goto(`${base}/admin/queues`))?.status()).toBe(200);

    // The attacker's page, on another site (localhost, not 127.0.0.1), posts a form to bull-board's add-job API.
    const add = `${base}/admin/queues/api/queues/high_priority/add`;
    const attacker = await serveHtml(
      `<form method="post" action="${add}"><input name="name" value="backup"><input name="data[deviceId]" value="666">` +
        `<input name="options[jobId]" value="csrf-attack"></form><script>document.forms[0].submit()</script>`,
    );
    try {
      const before = await t.countJobs();
      const refused = page.waitForResponse(
        (r) =>
          r.url() === add &&
          r.request().method() === 'POST' &&
          r.status() !== 401,
      );
      await page.goto(
        `http://localhost:${(attacker.address() as AddressInfo).port}/`,
      );
      const response = await refused;
      expect(response.status()).toBe(403);
      expect(await response.request().headerValue('origin')).toMatch(
        /^http:\/\/localhost:/,
      );
      expect(await t.jobs.get('csrf-attack')).toBeNull();
      expect(await t.countJobs()).toBe(before);
    } finally {
      await new Promise((resolve) => attacker.close(resolve));
    }

    // The dashboard page's own calls, as its JavaScript makes them: same origin, JSON or no body.
    await page.goto(`${base}/admin/queues`);
    const calls = await page.evaluate(async () => {
      const call = async (method: string, url: string, body?: object) => {
        const init: RequestInit = body
          ? {
              method,
              body: JSON.stringify(body),
              headers: { 'Content-Type': 'application/json' },
            }
          : { method };
        return (await fetch(url, init)).status;
      };
      return [
        await call('PUT', '/admin/queues/api/queues/default/pause'),
        await call('PUT', '/admin/queues/api/queues/default/resume'),
        await call('POST', '/admin/queues/api/queues/high_priority/add', {
          name: 'backup',
          data: { deviceId: 42 },
          options: { jobId: 'same-origin-add' },
        }),
      ];
    });
    expect(calls).toEqual([200, 200, 200]);
    await pollJob(t, 'same-origin-add', (info) => info.status === 'completed');
  }, 60_000);
});

/** A page on a port of its own: another origin than the app's. */
async function serveHtml(html: string): Promise<Server> {
  const server = createServer((_req, res) =>
    res.writeHead(200, { 'Content-Type': 'text/html' }).end(html),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

/**
 * Opens `url` expecting a refusal. Headless Chromium with no (or rejected) credentials cancels the
 * Basic prompt, so `goto` may end in net::ERR_INVALID_AUTH_CREDENTIALS: the response event still has the 401.
 */
async function openRefused(
  page: Page,
  url: string,
): Promise<{ status: number; challenge: string | null; served: string[] }> {
  // Anything under the dashboard that the browser did get (HTML, scripts, API): must stay empty.
  const served: string[] = [];
  const onResponse = (r: Response) => {
    if (r.url().includes('/admin/queues') && r.status() < 300)
      served.push(`${r.status()} ${r.url()}`);
  };
  page.on('response', onResponse);
  try {
    const answered = page.waitForResponse((r) => r.url() === url, {
      timeout: 15_000,
    });
    const navigation = await page.goto(url).catch((error: Error) => error);
    if (
      navigation instanceof Error &&
      !/ERR_INVALID_AUTH_CREDENTIALS/.test(navigation.message)
    )
      throw navigation;
    const response = await answered;
    return {
      status: response.status(),
      challenge: await response.headerValue('www-authenticate'),
      served,
    };
  } finally {
    page.off('response', onResponse);
  }
}

/** Loads `url` until its page mentions `text` (bull-board polls too, but a reload is deterministic); at most 40 tries. */
async function reloadUntil(
  page: Page,
  url: string,
  text: string,
): Promise<void> {
  for (let attempt = 0; attempt < 40; attempt++) {
    await page.goto(url);
    const found = await page
      .getByText(text, { exact: false })
      .first()
      .waitFor({ state: 'visible', timeout: 1_000 })
      .then(
        () => true,
        () => false,
      );
    if (found) return;
  }
  throw new Error(
    `${url} never showed "${text}"; the page said: ${(await page.innerText('body')).slice(0, 500)}`,
  );
}
