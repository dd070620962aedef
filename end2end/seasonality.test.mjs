// Seasonality: the seeded demo profiles (hour 14 and Tuesday planted) as a chart per dim, the weekday × hour
// heatmap and the lift-correlation matrix, each drawn after hydration; the symbol lives in the URL.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
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

test('two symbols are compared on the correlation dim, and the compared symbol lives in the URL', async () => {
  const html = await (await fetch(server.base + '/ui/seasonality?symbol=EURUSD&corr=hour&vs=ES')).text();
  assert.match(html, /EURUSD against another symbol on hour/);
  // 24 hourly bins both symbols have; the planted hour 14 lifts both.
  const rows = [...html.matchAll(/<tr><td>(\d+)<\/td><td class="num">([+-][0-9.]+)<\/td><td class="num">([+-][0-9.]+)<\/td>/g)];
  assert.equal(rows.length, 24, html.slice(html.indexOf('id="compare"'), html.indexOf('id="compare"') + 500));
  const h14 = rows.find((r) => r[1] === '14');
  assert.ok(Number(h14[2]) > 0.03 && Number(h14[3]) > 0.03, `hour 14 lifts: ${h14.slice(1)}`);
  const corr = Number(/id="compare-correlation"[^>]*>([-0-9.]+)</.exec(html)[1]);
  assert.ok(corr > 0.3, `the planted effect correlates the two symbols: ${corr}`);

  const errors = [];
  const page = await newPage(browser, errors);
  await page.goto(server.base + '/ui/seasonality?symbol=EURUSD&corr=hour');
  await hydrated(page);
  await page.click('#compare a:has-text("BTCUSD")');
  await page.waitForURL(/vs=BTCUSD/);
  await page.waitForSelector('#compare th:has-text("lift BTCUSD")');
  assert.deepEqual(errors, []);
});

test('the per-year stability view shows every demo year, the planted hour positive in each, and its dim in the URL', async () => {
  const html = await (await fetch(server.base + '/ui/seasonality?symbol=EURUSD')).text();
  const panel = html.slice(html.indexOf('id="stability"'));
  assert.match(panel, /EURUSD, (\d) calendar years/);
  const years = Number(/EURUSD, (\d) calendar years/.exec(panel)[1]);
  assert.ok(years >= 2, `the demo's training window spans several years: ${years}`);
  const table = panel.slice(panel.indexOf('id="stability-table"'), panel.indexOf('</table>'));
  const rows = [...table.matchAll(/<tr><td>(\d+)<\/td><td class="num">(\d+) \/ (\d+)<\/td><td class="num">([+-][0-9.]+)<\/td>/g)];
  assert.equal(rows.length, 24, table.slice(0, 600));
  const h14 = rows.find((r) => r[1] === '14');
  assert.equal(h14[2], h14[3], `hour 14 beats its year's baseline every year: ${h14.slice(1)}`);
  assert.equal(Number(h14[3]), years);
  assert.ok(Number(h14[4]) > 0.03, `hour 14's mean lift: ${h14[4]}`);

  const errors = [];
  const page = await newPage(browser, errors);
  await page.goto(server.base + '/ui/seasonality?symbol=EURUSD');
  await hydrated(page);
  for (const id of ['#stability-heatmap', '#stability-positive']) {
    const ink = await canvasInk(page, id);
    assert.ok(ink.ink > 2000 && ink.colour > 500, `${id}: ${JSON.stringify(ink)}`);
  }
  await page.locator('#stability').screenshot({ path: join(screenshotDir, 'seasonality-stability.png') });
  await page.click('#stability a:has-text("dow")');
  await page.waitForURL(/years=dow/);
  await page.waitForSelector('#stability figcaption:has-text("dow bin")');
  const dow = await canvasInk(page, '#stability-heatmap');
  assert.ok(dow.colour > 500, `the dow stability heatmap is drawn: ${JSON.stringify(dow)}`);
  assert.deepEqual(errors, []);
});

test('a seasonality optimisation lists its best trials by objective on the page', async () => {
  const spec = JSON.parse(readFileSync(new URL('../specs/seasonality_optimize_demo.json', import.meta.url)));
  spec.data.dataset_path = 'data/demo.csv'; // the server's home is its data root here
  const res = await fetch(server.base + '/seasonality/optimize', {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(spec),
  });
  assert.equal(res.status, 200, await res.clone().text());
  const runs = await (await fetch(server.base + '/seasonality/runs?spec_id=demo_seasonality_optimize')).json();
  const id = runs[0].run_id;
  const trials = await (await fetch(`${server.base}/seasonality/runs/${id}/trials?page_size=500`)).json();
  assert.equal(trials.length, spec.compute.max_trials);
  const best = Math.max(...trials.map((t) => t.objective ?? -Infinity));

  const page = await newPage(browser);
  await page.goto(`${server.base}/ui/seasonality?run=${id}`);
  await hydrated(page);
  const rows = page.locator('#seasonality-trial-rows tr');
  assert.equal(await rows.count(), Math.min(trials.length, 20));
  await page.waitForSelector('#seasonality-trials-summary:has-text("of 12 by objective")');
  // The first row is the best trial, and the objectives go down the table.
  const objectives = (await page.locator('#seasonality-trial-rows tr td:nth-child(2)').allTextContents())
    .map((s) => (s.includes('trades') ? -Infinity : Number(s.replace(/,/g, ''))));
  assert.ok(objectives.every((o, k) => k === 0 || o <= objectives[k - 1]), `sorted: ${objectives}`);
  const first = Number(await rows.first().locator('td').first().textContent());
  const top = trials.find((t) => t.trial_number === first);
  assert.equal(top.objective, best, `row 1 is trial ${first}`);
  await page.locator('#seasonality-trials').screenshot({ path: join(screenshotDir, 'seasonality-trials.png') });
  await page.close();
});
