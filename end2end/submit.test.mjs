// Submit: the reference examples load into the editor; a spec that is not JSON is refused at the field with its
// line and column before anything is sent; the server's refusals (403, 422) are shown at the field; an accepted
// spec (202) leads to the job page, which follows the job's server-sent events to its end.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { startServer, launchBrowser, newPage, screenshotDir, hydrated } from './harness.mjs';

let server, browser;
before(async () => { server = await startServer(['--seed-demo-wait', '--data-root', tmpdir()]); browser = await launchBrowser(); });
after(async () => { await browser?.close(); await server?.stop(); });

test('an example loads into the editor with its kind', async () => {
  const errors = [];
  const page = await newPage(browser, errors);
  await page.goto(server.base + '/ui/submit');
  await hydrated(page);
  await page.click('#examples button[data-example="stats_run"]');
  assert.equal(await page.locator('#kind').inputValue(), 'stats');
  assert.match(await page.locator('#spec').inputValue(), /"events"/);
  await page.click('#examples button[data-example="submit_local"]');
  assert.equal(await page.locator('#kind').inputValue(), 'optimize');
  assert.match(await page.locator('#spec').inputValue(), /"search_space"/);
  await page.screenshot({ path: join(screenshotDir, 'submit.png'), fullPage: true });
  assert.deepEqual(errors, []);
});

test('a spec that is not JSON is refused at the field, naming line and column', async () => {
  const errors = [];
  const page = await newPage(browser, errors);
  await page.goto(server.base + '/ui/submit');
  await hydrated(page);
  await page.fill('#spec', '{\n  "data": {\n    oops\n}');
  await page.click('#submit-button');
  await page.waitForSelector('#spec[aria-invalid="true"]');
  assert.match(await page.locator('#spec-error').innerText(), /Line 3, column 5/);
  assert.equal(new URL(page.url()).pathname, '/ui/submit');
  assert.deepEqual(errors, []);
});

function statsSpec(path) {
  return JSON.stringify({
    data: { dataset_path: path, symbols: ['EURUSD'], timeframe: '5m', start: '2024-01-01T00:00:00Z', end: '2024-01-31T23:55:00Z' },
    events: [{ name: 'k_consecutive', params: { k: 2, direction: 'up' } }],
    conditions: [{ name: 'session', params: { col: 'session_id' } }],
    targets: [{ name: 'up_next_bar' }],
    validation: null,
    persistence: { enabled: true, spec_id: 'e2e_stats', dataset_id: 'demo' },
  }, null, 2);
}

async function submit(page, kind, text) {
  await page.goto(server.base + '/ui/submit');
  await hydrated(page);
  await page.selectOption('#kind', kind);
  await page.fill('#spec', text);
  await page.click('#submit-button');
}

test('the server refusing a spec shows its reason at the field', async () => {
  const errors = [];
  const page = await newPage(browser, errors);
  const outside = JSON.parse(statsSpec('/etc/passwd'));
  await submit(page, 'stats', JSON.stringify(outside));
  await page.waitForSelector('#spec[aria-invalid="true"]');
  assert.match(await page.locator('#spec-error').innerText(), /^403: /);
  const badEvent = JSON.parse(statsSpec(join(server.home, 'data', 'demo.parquet')));
  badEvent.events[0].name = 'nope';
  await submit(page, 'stats', JSON.stringify(badEvent));
  await page.waitForFunction(() => /^422: body\.events\.0\.type: unknown events type "nope"/.test(
    document.querySelector('#spec-error')?.innerText ?? ''));
  assert.equal(new URL(page.url()).pathname, '/ui/submit');
  // The browser logs the refused requests themselves as errors; nothing else may fail.
  assert.deepEqual(errors.filter((e) => !/status of 4(03|22)/.test(e)), []);
});

test('an accepted spec leads to its job page, which follows the job to its end', async () => {
  const errors = [];
  const page = await newPage(browser, errors);
  await submit(page, 'stats', statsSpec(join(server.home, 'data', 'demo.parquet')));
  await page.waitForURL(/\/ui\/jobs\/[^?]+\?kind=stats/, { timeout: 30_000 });
  const id = new URL(page.url()).pathname.split('/').pop();
  await hydrated(page);
  await page.waitForSelector('#cancel:disabled', { timeout: 120_000 });
  const shown = (await page.locator('#job-status').innerText()).trim();
  const api = await (await fetch(`${server.base}/status/${id}`)).json();
  assert.equal(shown, String(api.status).toLowerCase(), 'the page ends in the status the server recorded');
  assert.ok(['completed', 'failed', 'cancelled'].includes(shown), shown);
  if (shown === 'completed') {
    assert.equal(await page.locator('#job-results').getAttribute('href'), '/ui/stats');
    assert.equal(await page.locator('#job-percent').innerText(), '100%');
  } else {
    assert.equal((await page.locator('#job-error').innerText()).trim(), api.error);
  }
  await page.screenshot({ path: join(screenshotDir, 'job.png'), fullPage: true });
  assert.deepEqual(errors, []);
});
