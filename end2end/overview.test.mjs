// The overview page: server-rendered with the demo data, then hydrated and interactive.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startServer, launchBrowser, newPage, screenshotDir } from './harness.mjs';

let server, browser;
before(async () => { server = await startServer(); browser = await launchBrowser(); });
after(async () => { await browser?.close(); await server?.stop(); });

test('the overview HTML already holds the demo datasets before any script runs', async () => {
  const html = await (await fetch(server.base + '/')).text();
  for (const sym of ['EURUSD', 'ES', 'BTCUSD']) assert.match(html, new RegExp(`<td class="sym">${sym}</td>`));
  assert.match(html, /3 of 3/);
});

test('after hydration the symbol filter narrows the table', async () => {
  const errors = [];
  const page = await newPage(browser, errors);
  await page.goto(server.base + '/');
  await page.waitForSelector('section[data-hydrated="true"]', { timeout: 30_000 });
  assert.equal(await page.locator('#datasets tbody tr').count(), 3);
  await page.fill('#symbol-filter', 'btc');
  await page.waitForFunction(() => document.querySelectorAll('#datasets tbody tr').length === 1);
  assert.equal(await page.locator('#datasets tbody td.sym').innerText(), 'BTCUSD');
  assert.equal(await page.locator('#dataset-count').innerText(), '1 of 3');
  await page.fill('#symbol-filter', '');
  await page.waitForFunction(() => document.querySelectorAll('#datasets tbody tr').length === 3);
  await page.screenshot({ path: join(screenshotDir, 'overview.png'), fullPage: true });
  assert.deepEqual(errors, []);
});

test('navigation links route on the client and come back with data', async () => {
  const errors = [];
  const page = await newPage(browser, errors);
  await page.goto(server.base + '/');
  await page.waitForSelector('section[data-hydrated="true"]');
  await page.click('nav >> text=Stats');
  await page.waitForSelector('h1:has-text("Market stats")');
  assert.equal(new URL(page.url()).pathname, '/ui/stats');
  assert.equal(await page.locator('nav a[aria-current="page"]').innerText(), 'Stats');
  // Back to the overview through the brand link: the data now comes from the server function.
  await page.click('a.brand');
  await page.waitForSelector('#datasets td.sym');
  assert.equal(await page.locator('#datasets tbody tr').count(), 3);
  assert.deepEqual(errors, []);
});
