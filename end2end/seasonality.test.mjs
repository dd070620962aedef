// Seasonality: the seeded demo profiles (hour 14 and Tuesday planted) as a chart per dim, the weekday × hour
// heatmap and the lift-correlation matrix, each drawn after hydration; the symbol lives in the URL.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startServer, launchBrowser, newPage, screenshotDir, hydrated, canvasInk } from './harness.mjs';

let server, browser;
before(async () => { server = await startServer(['--seed-demo-wait']); browser = await launchBrowser(); });
after(async () => { await browser?.close(); await server?.stop(); });

test('the seasonality HTML lists the run, the symbols and a chart per dim', async () => {
  const html = await (await fetch(server.base + '/ui/seasonality')).text();
  assert.match(html, /demo_seasonality/);
  for (const sym of ['BTCUSD', 'ES', 'EURUSD']) assert.match(html, new RegExp(`>${sym}</a>`));
  for (const dim of ['hour', 'dow', 'session', 'month']) assert.match(html, new RegExp(`id="profile-${dim}"`));
  assert.match(html, /24 bins/);
  assert.match(html, /id="weekday-hour-chart"/);
  assert.match(html, /id="correlation-chart"/);
});

test('every chart is drawn after hydration and the symbol can change', async () => {
  const errors = [];
  const page = await newPage(browser, errors);
  await page.goto(server.base + '/ui/seasonality');
  await hydrated(page);
  for (const id of ['#profile-hour', '#profile-dow', '#profile-session', '#weekday-hour-chart', '#correlation-chart']) {
    const ink = await canvasInk(page, id);
    assert.ok(ink.ink > 2000 && ink.colour > 500, `${id}: ${JSON.stringify(ink)}`);
  }
  await page.screenshot({ path: join(screenshotDir, 'seasonality.png'), fullPage: true });
  await page.click('#symbols a:has-text("ES")');
  await page.waitForURL(/symbol=ES/);
  await page.waitForSelector('#symbols a.active:has-text("ES")');
  const ink = await canvasInk(page, '#profile-hour');
  assert.ok(ink.ink > 2000);
  await page.click('#correlation a:has-text("dow")');
  await page.waitForURL(/corr=dow/);
  await page.waitForSelector('#correlation figcaption:has-text("on dow")');
  const corr = await canvasInk(page, '#correlation-chart');
  assert.ok(corr.colour > 500, `the dow matrix is drawn: ${JSON.stringify(corr)}`);
  assert.deepEqual(errors, []);
});
