// Optimisation runs: the list and the run page of the demo optimisation (5 × 5 × 5 = 125 trials, computed by the
// real job before the server listens: --seed-demo-wait),
// server-rendered, then hydrated: sorting, paging, filtering the leaderboard and drawing the charts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  startServer, launchBrowser, newPage, screenshotDir, hydrated, canvasInk, columnTexts, parseShown,
} from './harness.mjs';

let server, browser;
before(async () => { server = await startServer(['--seed-demo-wait']); browser = await launchBrowser(); });
after(async () => { await browser?.close(); await server?.stop(); });

const RUN = '/ui/runs/demo_optimize';

function assertMonotonic(values, descending, what) {
  const shown = values.map(parseShown);
  const firstMissing = shown.findIndex(Number.isNaN);
  const present = firstMissing < 0 ? shown : shown.slice(0, firstMissing);
  if (firstMissing >= 0) assert.ok(shown.slice(firstMissing).every(Number.isNaN), `${what}: missing values sort last`);
  for (let i = 1; i < present.length; i++) {
    const ok = descending ? present[i - 1] >= present[i] : present[i - 1] <= present[i];
    assert.ok(ok, `${what}: ${present[i - 1]} then ${present[i]} at row ${i}`);
  }
}

test('the run list and the run page hold the seeded values before any script runs', async () => {
  const list = await (await fetch(server.base + '/ui/runs')).text();
  assert.match(list, /href="\/ui\/runs\/demo_optimize"/);
  assert.match(list, /finished/i);
  const html = await (await fetch(server.base + RUN)).text();
  assert.match(html, /125 trials/);
  const body = html.slice(html.indexOf('id="trials"'));
  const rows = body.slice(0, body.indexOf('</tbody>')).match(/<tr/g).length - 1; // minus the header row
  assert.equal(rows, 25, 'one server-side page of 25 trials');
  assert.match(html, /id="best-params"/);
  // The first page is the JSON API's first page of trials by objective (an independent query of the same rows).
  const api = await (await fetch(server.base + '/runs/demo_optimize/trials?order_by=objective_value.desc&page=1&page_size=25')).json();
  const shown = [...body.slice(0, body.indexOf('</tbody>')).matchAll(/<td class="num trial">\s*<a href="\/ui\/runs\/demo_optimize\/trials\/(\d+)"/g)].map((m) => Number(m[1]));
  assert.deepEqual(shown, api.map((t) => t.trial_number));
  assert.match(html, /Walk-forward \(all folds\)/);
  const folds = html.slice(html.indexOf('id="fold-metrics"'), html.indexOf('</thead>', html.indexOf('id="fold-metrics"')));
  assert.equal(folds.match(/>Max DD</g).length, 1, 'one drawdown column');
  assert.match(html, /<title>Run demo_optimize · Quant Engine<\/title>/, 'the page is titled on the server');
});

test('sorting by a metric orders the rows and keeps the state in the URL', async () => {
  const errors = [];
  const page = await newPage(browser, errors);
  await page.goto(server.base + RUN);
  await hydrated(page);
  assertMonotonic(await columnTexts(page, '#trials', 'objective_value'), true, 'default objective order');
  await page.click('#trials th[data-field="max_dd"] a');
  await page.waitForURL(/sort=max_dd\.desc/);
  await page.waitForSelector('#trials th[data-field="max_dd"][aria-sort="descending"]');
  assertMonotonic(await columnTexts(page, '#trials', 'max_dd'), true, 'max_dd descending');
  await page.click('#trials th[data-field="max_dd"] a');
  await page.waitForURL(/sort=max_dd\.asc/);
  await page.waitForSelector('#trials th[data-field="max_dd"][aria-sort="ascending"]');
  const page1 = await columnTexts(page, '#trials', 'max_dd');
  assertMonotonic(page1, false, 'max_dd ascending');
  const firstTrials = await page.$$eval('#trials td.trial', (t) => t.map((x) => x.innerText));
  await page.click('.pager a[rel="next"]');
  await page.waitForURL(/page=2/);
  await page.waitForFunction((before) => {
    const now = [...document.querySelectorAll('#trials td.trial')].map((x) => x.innerText);
    return now.length > 0 && now.join() !== before.join();
  }, firstTrials);
  const page2 = await columnTexts(page, '#trials', 'max_dd');
  assert.ok(parseShown(page2[0]) >= parseShown(page1[page1.length - 1]), 'page 2 continues the order');
  assert.match(await page.locator('.pager .page-of').first().innerText(), /Page 2 of 5/);
  // Reloading the URL gives the same view: the state lives in the address.
  await page.reload();
  await hydrated(page);
  assert.deepEqual(await columnTexts(page, '#trials', 'max_dd'), page2);
  assert.deepEqual(errors, []);
});

test('filtering by a parameter value keeps only matching trials', async () => {
  const errors = [];
  const page = await newPage(browser, errors);
  await page.goto(server.base + RUN);
  await hydrated(page);
  await page.selectOption('#filter-select', 'ema_fast=8');
  await Promise.all([page.waitForURL(/filter=ema_fast%3D8|filter=ema_fast=8/), page.click('#trial-filter button')]);
  await hydrated(page);
  assert.match(await page.locator('#leaderboard .pager').innerText(), /25 trials/);
  const col = await page.$$eval('#trials thead th', (ths) => ths.findIndex((th) => th.innerText.trim() === 'ema_fast'));
  const fast = await page.$$eval(`#trials tbody tr td:nth-child(${col + 1})`, (tds) => tds.map((td) => td.innerText));
  assert.equal(fast.length, 25);
  assert.ok(fast.every((v) => v === '8'), fast.join());
  assert.deepEqual(errors, []);
});

test('the parameter heatmap, trial history, scatter, equity and drawdown are drawn after hydration and the axes can change', async () => {
  const errors = [];
  const page = await newPage(browser, errors);
  await page.goto(server.base + RUN);
  await hydrated(page);
  const heat = await canvasInk(page, '#param-heatmap');
  assert.ok(heat.colour > heat.total * 0.2, `heatmap cells are coloured (${heat.colour} of ${heat.total})`);
  for (const id of ['#equity-chart', '#drawdown-chart', '#history-chart']) {
    const ink = await canvasInk(page, id);
    assert.ok(ink.ink > 1000, `${id} has drawn pixels (${ink.ink})`);
  }
  // The best trial's cell is outlined; the sentence under the map gives its neighbourhood from the stored report.
  const report = await (await fetch(server.base + '/runs/demo_optimize/overfitting')).json();
  const r = report.symbols[0].robustness;
  const note = await page.locator('#heatmap-neighbourhood').innerText();
  assert.match(note, /^Outlined: the best trial \(#\d+\)/);
  assert.ok(note.includes(`Its ${r.neighbours} neighbours`) && note.includes(r.spike ? 'a spike' : 'a plateau'), note);
  const overfit = await canvasInk(page, '#overfit-scatter');
  assert.ok(overfit.colour > 300, `the in-sample vs out-of-sample scatter is drawn (${JSON.stringify(overfit)})`);
  await page.screenshot({ path: join(screenshotDir, 'run.png'), fullPage: true });
  await page.selectOption('#hx', 'R');
  await page.selectOption('#hy', 'ema_slow');
  await page.selectOption('#agg', 'mean');
  await Promise.all([page.waitForURL(/hx=R/), page.click('#heatmap-form button')]);
  await hydrated(page);
  const again = await canvasInk(page, '#param-heatmap');
  assert.ok(again.colour > again.total * 0.2);
  assert.match(await page.locator('#heatmap figcaption').innerText(), /by R and ema_slow/);
  assert.equal(await page.locator('#hy').inputValue(), 'ema_slow');
  assert.deepEqual(errors, []);
});

test('the PBO panel shows the stored report and draws its logit histogram and degradation scatter', async () => {
  const report = await (await fetch(server.base + '/runs/demo_optimize/overfitting')).json();
  const pbo = report.symbols[0].pbo;
  assert.equal(pbo.splits, 12870, 'all C(16, 8) splits');
  const html = await (await fetch(server.base + RUN)).text();
  const panel = html.slice(html.indexOf('id="pbo"'));
  assert.match(panel, /12870 \(all\) splits of 16 blocks/, 'rendered on the server');
  const errors = [];
  const page = await newPage(browser, errors);
  await page.goto(server.base + RUN);
  await hydrated(page);
  // The first card shows the API's PBO as a percentage, rounded to the page's decimals.
  const card = await page.locator('#pbo .card').first().innerText();
  assert.match(card, /PBO \(CSCV\)/);
  const shown = parseFloat(card);
  assert.ok(Math.abs(shown - pbo.pbo * 100) <= 0.051, `card ${card} vs PBO ${pbo.pbo}`);
  for (const id of ['#pbo-logits', '#pbo-degradation']) {
    const ink = await canvasInk(page, id);
    assert.ok(ink.colour > 200, `${id} is drawn (${JSON.stringify(ink)})`);
  }
  const shape = report.symbols[0].robustness.spike ? 'spike' : 'plateau';
  assert.match(await page.locator('#pbo .pbo-cards').innerText(), new RegExp(shape));
  await page.locator('#pbo').screenshot({ path: join(screenshotDir, 'run-pbo.png') });
  assert.deepEqual(errors, []);
});

test('an unknown run says so, and so does an unknown job instead of waiting for it', async () => {
  const html = await (await fetch(server.base + '/ui/runs/nope')).text();
  assert.match(html, /Run not found/);
  const errors = [];
  const page = await newPage(browser, errors);
  await page.goto(server.base + '/ui/jobs/0123456789abcdef0123456789abcdef');
  await hydrated(page);
  assert.match(await page.locator('#job-missing').innerText(), /no job with this id/);
  assert.equal(await page.locator('#job-status').count(), 0, 'no queued status for a job that does not exist');
  // A finished job shows its stored state at once.
  await page.goto(server.base + '/ui/jobs/demo_optimize');
  await hydrated(page);
  assert.equal(await page.locator('#job-status').innerText(), 'completed');
  assert.equal(await page.locator('#job-percent').innerText(), '100%');
  assert.ok(await page.locator('#job-results').isVisible());
  assert.deepEqual(errors, []);
});

test('a leaderboard row opens its trial page: parameters, windows, trades and charts from the replayed trial', async () => {
  const errors = [];
  const page = await newPage(browser, errors);
  await page.goto(server.base + RUN);
  await hydrated(page);
  const best = (await (await fetch(server.base + '/runs/demo_optimize/trials?page_size=1')).json())[0];
  await page.click(`#trials td.trial a[href$="/trials/${best.trial_number}"]`);
  await page.waitForURL(new RegExp(`/ui/runs/demo_optimize/trials/${best.trial_number}$`));
  await page.waitForSelector('#trial-windows');
  assert.equal(await page.title(), `Trial #${best.trial_number} of run demo_optimize · Quant Engine`);
  const detail = await (await fetch(server.base + `/runs/demo_optimize/trials/${best.trial_number}`)).json();
  assert.equal(detail.reproduced, true);
  assert.equal(detail.out_of_sample.n_trades, best.n_trades, 'the replay has the stored trade count');
  const chips = await page.$$eval('#trial-params li', (li) => li.map((x) => x.innerText.replace(/\s+/g, ' ').trim()));
  for (const [k, v] of Object.entries(JSON.parse(best.params_json))) assert.ok(chips.includes(`${k} ${v}`), `${k} ${v} in ${chips}`);
  const trades = await (await fetch(server.base + `/runs/demo_optimize/trials/${best.trial_number}/trades`)).json();
  const rows = await page.$$eval('#trades tbody tr', (tr) => tr.map((r) => [...r.cells].map((c) => c.innerText.trim())));
  assert.equal(rows.length, Math.min(200, trades.length));
  assert.equal(rows[0][1], trades[0].ts_entry.replace('T', ' ').replace('Z', ''));
  assert.equal(rows[0][7], trades[0].exit_reason);
  for (const id of ['#price-chart', '#trial-equity-chart', '#trial-drawdown-chart']) {
    const ink = await canvasInk(page, id);
    assert.ok(ink.colour > 200, `${id} is drawn in colour: ${JSON.stringify(ink)}`);
  }
  const csv = await page.getAttribute('#trades-downloads a:first-of-type', 'href');
  assert.equal(csv, `/runs/demo_optimize/trials/${best.trial_number}/trades?format=csv`);
  await page.screenshot({ path: join(screenshotDir, 'trial.png'), fullPage: true });
  await page.goto(server.base + '/ui/runs/demo_optimize/trials/99999');
  assert.match(await page.locator('#trial-missing').innerText(), /Trial 99999 not found/);
  assert.deepEqual(errors, []);
});

test('the search panel: best-so-far history, importance equal to an independent η², slices, on a chosen metric', async () => {
  const errors = [];
  const page = await newPage(browser, errors);
  await page.goto(server.base + RUN);
  await hydrated(page);
  const trials = await (await fetch(server.base + '/runs/demo_optimize/trials?page_size=500')).json();
  // η² of each parameter over the trials' Sharpe, computed here from the API's rows.
  const eta = (metric, param) => {
    const rows = trials.filter((t) => Number.isFinite(t[metric])).map((t) => [JSON.parse(t.params_json)[param], t[metric]]);
    const mean = rows.reduce((s, r) => s + r[1], 0) / rows.length;
    const total = rows.reduce((s, r) => s + (r[1] - mean) ** 2, 0);
    const groups = new Map();
    for (const [x, y] of rows) groups.set(x, [...(groups.get(x) ?? []), y]);
    let between = 0;
    for (const ys of groups.values()) between += ys.length * (ys.reduce((a, b) => a + b, 0) / ys.length - mean) ** 2;
    return between / total;
  };
  await page.selectOption('#sm', 'sharpe');
  await Promise.all([page.waitForURL(/sm=sharpe/), page.click('#search-form button')]);
  await hydrated(page);
  await page.waitForSelector('#importance-table');
  const shown = await page.$$eval('#importance-table tbody tr', (tr) => tr.map((r) => [r.cells[0].innerText, r.cells[1].innerText]));
  assert.deepEqual(shown.map((r) => r[0]).sort(), ['R', 'ema_fast', 'ema_slow']);
  for (const [param, text] of shown) {
    const want = eta('sharpe', param);
    assert.ok(Math.abs(parseShown(text) - want) < 0.0006, `${param}: shown ${text}, computed ${want}`);
  }
  const ranked = shown.map((r) => parseShown(r[1]));
  for (let i = 1; i < ranked.length; i++) assert.ok(ranked[i - 1] >= ranked[i], 'largest first');
  // The history carries the orange best-so-far line; each parameter has its slice.
  const orange = await page.$eval('#history-chart', (c) => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i] > 180 && d[i + 1] > 90 && d[i + 1] < 150 && d[i + 2] < 60) n++;
    return n;
  });
  assert.ok(orange > 100, `the best-so-far line is drawn (${orange} orange pixels)`);
  for (const id of ['#slice-ema_fast', '#slice-ema_slow', '#slice-R', '#importance-chart']) {
    const ink = await canvasInk(page, id);
    assert.ok(ink.colour > 100, `${id} is drawn (${JSON.stringify(ink)})`);
  }
  assert.match(await page.locator('#history p.muted').innerText(), /^Sharpe of each trial/);
  assert.deepEqual(errors, []);
});
