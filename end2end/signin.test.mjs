// Sign-in under a token: the header links to the sign-in page, a wrong token is shown at the field, the right one
// leads back to the page with a session cookie; the dashboard's submit and cancel then pass (no 401); signing out
// ends it. With --protect-reads the pages lead to the sign-in page and back.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { startServer, launchBrowser, newPage, screenshotDir, hydrated } from './harness.mjs';

const TOKEN = 'e2e-s3cret';
let server, browser;
before(async () => {
  server = await startServer(['--data-root', tmpdir(), '--api-token', TOKEN]);
  browser = await launchBrowser();
});
after(async () => { await browser?.close(); await server?.stop(); });

// The browser logs refused requests themselves as console errors; those we provoke are expected.
const unexpected = (errors, statuses) => errors.filter((e) => !new RegExp(`status of (${statuses})`).test(e));

function statsSpec(path) {
  return JSON.stringify({
    data: { dataset_path: path, symbols: ['EURUSD'], timeframe: '5m', start: '2024-01-01T00:00:00Z', end: '2024-03-31T23:55:00Z' },
    events: [{ name: 'k_consecutive', params: { k: 2, direction: 'up' } }],
    conditions: [{ name: 'session', params: { col: 'session_id' } }],
    targets: [{ name: 'up_next_bar' }],
    validation: null,
    persistence: { enabled: true, spec_id: 'e2e_signin', dataset_id: 'demo' },
  });
}

async function signIn(page, token) {
  await page.fill('#token', token);
  await page.click('#signin-button');
}

test('signed out, the dashboard cannot submit; signed in through the form it submits and cancels', async () => {
  const errors = [];
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  const page = await context.newPage();
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()}`); });
  const spec = statsSpec(join(server.home, 'data', 'demo.parquet'));

  // Without a session the API refuses the dashboard's POST, and says so at the field.
  await page.goto(server.base + '/ui/submit');
  await hydrated(page);
  await page.selectOption('#kind', 'stats');
  await page.fill('#spec', spec);
  await page.click('#submit-button');
  await page.waitForFunction(() => /^401: Not authenticated/.test(document.querySelector('#spec-error')?.innerText ?? ''));

  // The header's link leads to the sign-in page, remembering where we were.
  await page.click('#signin-link');
  await page.waitForURL(/\/ui\/signin\?next=%2Fui%2Fsubmit$/);
  await page.waitForSelector('#signin-form[data-hydrated="true"]');
  await signIn(page, 'not-the-token');
  await page.waitForFunction(() => /Wrong token/.test(document.querySelector('#signin-error')?.innerText ?? ''));
  assert.equal(await page.locator('#token').getAttribute('aria-invalid'), 'true');
  assert.equal((await context.cookies()).length, 0, 'no cookie for a wrong token');
  await page.screenshot({ path: join(screenshotDir, 'signin-error.png'), fullPage: true });

  await signIn(page, TOKEN);
  await page.waitForURL((u) => u.pathname === '/ui/submit');
  await hydrated(page);
  await page.waitForSelector('#signout');
  const [cookie] = await context.cookies();
  assert.equal(cookie.name, 'qe_session');
  assert.equal(cookie.httpOnly, true);
  assert.equal(cookie.sameSite, 'Strict');
  assert.notEqual(cookie.value, TOKEN);
  assert.equal(await page.evaluate(() => document.cookie), '', 'the page script cannot read the session');

  // Submit: the cookie authenticates the dashboard's POST and the job page follows the job.
  await page.selectOption('#kind', 'stats');
  await page.fill('#spec', spec);
  await page.click('#submit-button');
  await page.waitForURL(/\/ui\/jobs\/[^?]+\?kind=stats/, { timeout: 30_000 });
  await hydrated(page);
  // The stats job may end before the click: the button is then disabled, and the same cookie-authenticated POST
  // is sent from the page itself (409 for a finished job). Clicking happens inside the page, so the check and
  // the click cannot straddle the job's end.
  const cancelled = page.waitForResponse((r) => r.url().endsWith('/cancel') && r.request().method() === 'POST');
  const clicked = await page.evaluate(() => {
    const button = document.querySelector('#cancel');
    if (!button || button.disabled) return false;
    button.click();
    return true;
  });
  const status = clicked
    ? (await cancelled).status()
    : await page.evaluate(async () => {
      const id = location.pathname.split('/').pop();
      const headers = { Prefer: 'respond-async', Accept: 'application/json' };
      return (await fetch(`/runs/${id}/cancel`, { method: 'POST', headers })).status;
    });
  assert.ok([202, 409].includes(status), `cancel answered ${status}, not 401/403`);
  await page.waitForSelector('#cancel:disabled', { timeout: 120_000 });
  const shown = (await page.locator('#job-status').innerText()).trim();
  assert.ok(['cancelled', 'completed', 'failed'].includes(shown), shown);
  if (await page.locator('#job-error').count()) {
    assert.doesNotMatch(await page.locator('#job-error').innerText(), /\((401|403)\)/);
  }
  await page.screenshot({ path: join(screenshotDir, 'signin-job.png'), fullPage: true });

  // Signing out ends the session: the header offers to sign in again and submits are refused.
  await page.click('#signout');
  await page.waitForURL((u) => u.pathname === '/ui/signin');
  await page.goto(server.base + '/ui/submit');
  await hydrated(page);
  await page.waitForSelector('#signin-link');
  await page.selectOption('#kind', 'stats');
  await page.fill('#spec', spec);
  await page.click('#submit-button');
  await page.waitForFunction(() => /^401: /.test(document.querySelector('#spec-error')?.innerText ?? ''));
  // Refused POSTs log their status in the console: the 401s, and the cancel's 409 when the job ended before it
  // reached the server (CI saw the job end between the enabled button's click and the POST).
  assert.deepEqual(unexpected(errors, status === 409 ? '401|409' : '401'), []);
  await context.close();
});

test('with --protect-reads a page leads to the sign-in page and back', async () => {
  const guarded = await startServer(['--api-token', TOKEN, '--protect-reads']);
  try {
    const errors = [];
    const page = await newPage(browser, errors);
    await page.goto(guarded.base + '/ui/runs?page=1');
    assert.equal(new URL(page.url()).pathname, '/ui/signin');
    assert.equal(new URL(page.url()).searchParams.get('next'), '/ui/runs?page=1');
    await page.waitForSelector('#signin-form[data-hydrated="true"]');
    await signIn(page, TOKEN);
    await page.waitForURL((u) => u.pathname === '/ui/runs');
    await hydrated(page);
    await page.waitForSelector('#signout');
    assert.equal(await page.locator('h1').first().innerText(), 'Optimisation runs');
    assert.deepEqual(errors, []);
    await page.close();
  } finally {
    await guarded.stop();
  }
});
