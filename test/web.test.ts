/// <reference lib="dom" />
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createServer, type ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBalanceClient, DepositDocument, SetAccountStatusDocument, SetLimitsDocument } from '../client/index.js';
import { insertUser, query, useTestApp } from './helpers.js';
import { startServerProcess } from './server-process.js';

const root = fileURLToPath(new URL('..', import.meta.url));
/** Debian's Chromium (`.ci/run` installs it); CHROMIUM_PATH points elsewhere. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOT = path.join(root, 'artifacts', 'web-e2e.png');

/** Waits (on the page's own clock, no sleeps) until the element with this test id shows exactly `text`. */
async function shows(page: Page, testId: string, text: string): Promise<void> {
  await page.waitForFunction(
    ([id, expected]) => document.querySelector(`[data-testid="${id}"]`)?.textContent?.trim() === expected,
    [testId, text] as const,
    { timeout: 60_000 },
  );
}

describe('examples/web in headless Chromium (Playwright)', () => {
  const t = useTestApp();
  let vite: ViteDevServer;
  let browser: Browser;

  beforeAll(async () => {
    vite = await createServer({
      configFile: path.join(root, 'examples/web/vite.config.ts'),
      server: { port: 0 },
      logLevel: 'warn',
    });
    await vite.listen();
    browser = await chromium
      .launch({
        executablePath: CHROMIUM,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
      })
      .catch((error: unknown) => {
        throw new Error(`Chromium could not start from ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`, {
          cause: error,
        });
      });
  });
  afterAll(async () => {
    await browser?.close();
    await vite?.close();
  });

  it('shows the balance live: a withdrawal, a change from another process, and a burst of 1,000', async () => {
    const userId = await insertUser(t.orm, 1000);
    const page = await browser.newPage({ viewport: { width: 1000, height: 1300 } });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    const web = vite.resolvedUrls!.local[0]!;
    await page.goto(`${web}?api=${encodeURIComponent(t.url)}&user=${userId}`);
    await shows(page, 'balance', '1000');

    // A withdrawal through the form: the typed result as a sentence, and the new balance.
    await page.locator('input[name=amount]').fill('100');
    await page.getByRole('button', { name: 'Withdraw', exact: true }).click();
    await shows(page, 'outcome', 'Withdrew 100. New balance: 900.');
    await shows(page, 'balance', '900');
    await page.locator('input[name=amount]').fill('5000');
    await page.getByRole('button', { name: 'Withdraw', exact: true }).click();
    await shows(page, 'outcome', 'Not enough credits: the balance is 900, 5000 were needed.');

    // Changed by another server process on the same database: the page follows without a reload.
    await page.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));
    const other = await startServerProcess({ DATABASE_URL: t.databaseUrl });
    try {
      const client = createBalanceClient(other.url);
      await client.graphql.request(DepositDocument, { userId, amount: 50 });
      await client.close();
    } finally {
      expect(await other.stop()).toBe(0);
    }
    await shows(page, 'balance', '950');
    expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);

    // The burst panel: 1,000 withdrawals of 1 from 950: exactly 950 succeed and 50 are refused.
    await page.locator('input[name=burst-requests]').fill('1000');
    await page.locator('input[name=burst-amount]').fill('1');
    await page.getByRole('button', { name: /^Fire/ }).click();
    await shows(page, 'burst-answered', '1000 / 1000');
    await shows(page, 'burst-ok', '950');
    await shows(page, 'burst-refused', '50');
    await shows(page, 'balance', '0');
    const [row] = await query<{ balance: string }>(t.orm, 'select balance from users where id = ?', [Number(userId)]);
    expect(row?.balance).toBe('0');

    await mkdir(path.dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    console.info(`screenshot of the example app: ${SCREENSHOT}`);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('a withdrawal from a stale page is refused as VersionMismatch, in words, and goes through once it is current', async () => {
    const userId = await insertUser(t.orm, 100);
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    // The page's live connection, held at will: while held, the page keeps showing what it last received.
    let holding = false;
    const held: (string | Buffer)[] = [];
    let toPage: ((message: string | Buffer) => void) | undefined;
    await page.routeWebSocket(/\/graphql/, (socket) => {
      const server = socket.connectToServer();
      socket.onMessage((message) => server.send(message));
      toPage = (message) => socket.send(message);
      server.onMessage((message) => (holding ? held.push(message) : socket.send(message)));
    });
    await page.goto(`${vite.resolvedUrls!.local[0]!}?api=${encodeURIComponent(t.url)}&user=${userId}`);
    await shows(page, 'balance', '100');

    holding = true;
    await t.client.graphql.request(DepositDocument, { userId, amount: 50 });
    await page.locator('input[name=amount]').fill('10');
    await page.getByRole('button', { name: 'Withdraw', exact: true }).click();
    await shows(
      page,
      'outcome',
      'The balance changed since this page showed it (it is now 150): nothing was withdrawn; review it and retry.',
    );
    await shows(page, 'balance', '100'); // still stale

    holding = false;
    for (const message of held.splice(0)) toPage!(message);
    await shows(page, 'balance', '150');
    await page.getByRole('button', { name: 'Withdraw', exact: true }).click();
    await shows(page, 'outcome', 'Withdrew 10. New balance: 140.');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('shows what is available, the limits and the status as staff change them, and their refusals in words', async () => {
    const userId = await insertUser(t.orm, 100);
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${vite.resolvedUrls!.local[0]!}?api=${encodeURIComponent(t.url)}&user=${userId}`);
    await shows(page, 'available', '100 available · 0 on hold');
    await shows(page, 'status', 'Active');
    await shows(page, 'limit-min', 'Minimum balance: 0');

    await t.client.graphql.request(SetLimitsDocument, { userId, limits: { minBalance: -50, dailyDebitLimit: 120 } });
    await shows(page, 'available', '150 available · 0 on hold');
    await shows(page, 'limit-min', 'Credit line: may go down to -50');
    await shows(page, 'limit-daily', 'Daily limit: 0 of 120 spent today');
    await page.locator('input[name=amount]').fill('110');
    await page.getByRole('button', { name: 'Withdraw', exact: true }).click();
    await shows(page, 'outcome', 'Withdrew 110. New balance: -10.');
    await shows(page, 'limit-daily', 'Daily limit: 110 of 120 spent today');
    await page.locator('input[name=amount]').fill('20');
    await page.getByRole('button', { name: 'Withdraw', exact: true }).click();
    await shows(page, 'outcome', 'Over the daily limit of 120: 110 spent today, 20 more asked.');

    await t.client.graphql.request(SetAccountStatusDocument, { userId, status: 'FROZEN', reason: 'review' });
    await shows(page, 'status', 'Frozen: credits only');
    await page.locator('input[name=amount]').fill('5');
    await page.getByRole('button', { name: 'Withdraw', exact: true }).click();
    await shows(
      page,
      'outcome',
      'This account is frozen: it can receive credits, but nothing can be spent or held until it is unfrozen.',
    );
    await page.getByRole('button', { name: 'Deposit', exact: true }).click();
    await shows(page, 'outcome', 'Added 5. New balance: -5.');
    await t.client.graphql.request(SetAccountStatusDocument, { userId, status: 'ACTIVE' });
    await shows(page, 'status', 'Active');
    expect(errors).toEqual([]);
    await page.close();
  });
});
