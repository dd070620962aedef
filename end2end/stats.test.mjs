// Market stats: the seeded demo rows server-rendered, filters that change the URL and the rows, and the lift
// heatmap whose cells tell n, p̂, CI and q on keyboard focus.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startServer, launchBrowser, newPage, screenshotDir, hydrated, columnTexts } from './harness.mjs';

let server, browser;
before(async () => { server = await startServer(['--seed-demo-wait']); browser = await launchBrowser(); });
after(async () => { await browser?.close(); await server?.stop(); });

test('the stats page HTML already holds rows and the lift heatmap', async () => {
  const html = await (await fetch(server.base + '/ui/stats')).text();
  assert.match(html, /id="stats-rows"/);
  for (const sym of ['EURUSD', 'ES', 'BTCUSD']) assert.match(html, new RegExp(`<option value="${sym}"`));
  assert.match(html, /id="lift-heatmap"/);
  assert.match(html, /data-tip="[^"]*lift [+-]\d/);
  assert.match(html, /k_consecutive/);
});

test('filters change the URL and narrow the rows', async () => {
  const errors = [];
  const page = await newPage(browser, errors);
  await page.goto(server.base + '/ui/stats');
  await hydrated(page);
  const before = await page.locator('#stats-table .pager').innerText();
  await page.selectOption('#f-symbol', 'ES');
  await page.selectOption('#f-target', 'up_next_bar');
  await Promise.all([page.waitForURL(/symbol=ES/), page.click('#stats-filters button')]);
  await hydrated(page);
  assert.match(page.url(), /target=up_next_bar/);
  const symbols = await page.$$eval('#stats-rows tbody td.sym', (tds) => tds.map((t) => t.innerText));
  assert.ok(symbols.length > 0 && symbols.every((s) => s === 'ES'), symbols.join());
  const targets = await page.$$eval('#stats-rows tbody tr td:nth-child(6)', (tds) => tds.map((t) => t.innerText));
  assert.ok(targets.every((t) => t === 'up_next_bar'));
  const after = await page.locator('#stats-table .pager').innerText();
  assert.notEqual(after, before);
  // Significant only: every remaining row carries the mark.
  await page.check('#f-significant');
  await Promise.all([page.waitForURL(/significant=true/), page.click('#stats-filters button')]);
  await hydrated(page);
  const marks = await page.$$eval('#stats-rows tbody tr td:last-child', (tds) => tds.map((t) => t.innerText.trim()));
  assert.ok(marks.every((m) => m === '●'), marks.join());
  assert.deepEqual(errors, []);
});

test('a focused heatmap cell shows its numbers, significant cells are marked', async () => {
  const errors = [];
  const page = await newPage(browser, errors);
  await page.goto(server.base + '/ui/stats?symbol=EURUSD&method=bayes');
  await hydrated(page);
  const cells = page.locator('#lift-heatmap td.cell[data-tip]:not(.insufficient)');
  assert.ok((await cells.count()) >= 1, "at least one cell with enough observations");
  await cells.first().locator('a').focus();
  const tip = await cells.first().evaluate((el) => getComputedStyle(el, '::after').content);
  assert.match(tip, /lift [+-]\d.*n \d.*p̂ .*CI .*q /);
  const bg = await cells.first().evaluate((el) => getComputedStyle(el).backgroundColor);
  assert.notEqual(bg, 'rgba(0, 0, 0, 0)', 'cells are coloured by lift');
  await page.screenshot({ path: join(screenshotDir, 'stats.png'), fullPage: true });
  assert.deepEqual(errors, []);
});

test('the CSV download of the filtered rows holds the rows the API answers as JSON', async () => {
  const errors = [];
  const page = await newPage(browser, errors);
  await page.goto(server.base + '/ui/stats?symbol=ES&target=up_next_bar');
  await hydrated(page);
  const link = page.locator('#stats-downloads a', { hasText: 'CSV' });
  const href = await link.getAttribute('href');
  assert.match(href, /^\/stats\?.*symbol=ES.*format=csv$/);
  const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
  assert.match(download.suggestedFilename(), /^stats\.csv$/);
  const csv = await (await import('node:fs/promises')).readFile(await download.path(), 'utf8');
  const [header, ...lines] = csv.trim().split('\n');
  const columns = header.split(',');
  assert.match(href, /sufficient_only=true/, 'as the page shows them: rows under min_samples left out');
  const json = await (await fetch(server.base + '/stats?symbol=ES&target=up_next_bar&sufficient_only=true&page_size=500')).json();
  assert.ok(json.length > 0);
  assert.equal(lines.length, json.length, 'one CSV line per JSON row');
  // Every row's id, symbol, n and lift agree, in order (these cells hold no commas or quotes).
  for (const [i, line] of lines.entries()) {
    const cells = line.split(',');
    for (const key of ['id', 'symbol', 'target', 'n']) {
      assert.equal(cells[columns.indexOf(key)], String(json[i][key]), `row ${i} ${key}`);
    }
    const lift = cells[columns.indexOf('lift_freq')];
    if (json[i].lift_freq === null) assert.equal(lift, '', `row ${i} lift_freq`);
    else assert.equal(Number(lift), json[i].lift_freq, `row ${i} lift_freq`);
  }
  assert.deepEqual(errors, []);
});

test('honest views: rows under min_samples hidden unless asked, columns sort, lift in pp, a cell opens its rows', async () => {
  const errors = [];
  const page = await newPage(browser, errors);
  const total = async () => Number((await page.locator('#stats-table .pager .muted').innerText()).replace(/[^\d]/g, ''));
  await page.goto(server.base + '/ui/stats?symbol=ES');
  await hydrated(page);
  const shown = await total();
  const api = async (q) => (await (await fetch(server.base + `/stats?symbol=ES&page_size=500${q}`)).json()).length;
  assert.equal(shown, await api('&sufficient_only=true'), 'the default view counts the sufficient rows only');
  assert.equal(await page.locator('#stats-rows tbody tr.insufficient').count(), 0);
  await page.check('#f-all');
  await Promise.all([page.waitForURL(/all=true/), page.click('#stats-filters button')]);
  await hydrated(page);
  assert.equal(await total(), await api(''), 'the toggle shows every row');
  assert.match(await page.locator('#stats-rows thead').innerText(), /Lift \(pp\)/);
  const lifts = await columnTexts(page, '#stats-rows', 'lift');
  assert.ok(lifts.every((t) => / pp$/.test(t)), lifts.join());
  // Sorting by n: descending, then ascending; the filters stay.
  await page.click('#stats-rows th[data-field="n"] a');
  await page.waitForURL(/sort=n\.desc/);
  await page.waitForSelector('#stats-rows th[data-field="n"][aria-sort="descending"]');
  assert.match(page.url(), /all=true/);
  const ns = (await columnTexts(page, '#stats-rows', 'n')).map((t) => Number(t.replace(/,/g, '')));
  for (let i = 1; i < ns.length; i++) assert.ok(ns[i - 1] >= ns[i], `n descending at row ${i}: ${ns}`);
  await page.click('#stats-rows th[data-field="n"] a');
  await page.waitForSelector('#stats-rows th[data-field="n"][aria-sort="ascending"]');
  const up = (await columnTexts(page, '#stats-rows', 'n')).map((t) => Number(t.replace(/,/g, '')));
  for (let i = 1; i < up.length; i++) assert.ok(up[i - 1] <= up[i], `n ascending at row ${i}: ${up}`);
  // A heatmap cell opens the rows behind it: one condition value, one target.
  const cell = page.locator('#lift-heatmap td.cell[data-tip] a').first();
  const href = await cell.getAttribute('href');
  const params = new URLSearchParams(href.split('?')[1]);
  await Promise.all([page.waitForURL(/target=/), cell.click()]);
  await hydrated(page);
  const rows = await page.$$eval('#stats-rows tbody tr', (tr) => tr.map((r) => [r.cells[4].innerText, r.cells[5].innerText]));
  assert.ok(rows.length >= 1);
  for (const [value, target] of rows) {
    assert.equal(value, params.get('condition_value') ?? '');
    assert.equal(target, params.get('target'));
  }
  assert.deepEqual(errors, []);
});
