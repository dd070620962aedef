// The job page's tasks panel with a real nats-server, `qe serve --nats` and one `qe worker`: every task is
// listed with the worker that ran it, and the summary counts them done.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startServer, launchBrowser, newPage, hydrated, screenshotDir } from './harness.mjs';

const here = new URL('.', import.meta.url).pathname;

/** A free TCP port on 127.0.0.1. */
function freePort() {
  return new Promise((ok) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => ok(p)); });
  });
}

/** Starts `nats-server -js` on a free port with a temporary store; resolves once it accepts connections. */
async function startNats() {
  const port = await freePort();
  const store = mkdtempSync(join(tmpdir(), 'qe-e2e-nats-'));
  const bin = process.env.QE_NATS_SERVER ?? (existsSync('/usr/sbin/nats-server') ? '/usr/sbin/nats-server' : 'nats-server');
  const child = spawn(bin, ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', store], { stdio: 'ignore' });
  const { connect } = await import('node:net');
  for (let i = 0; i < 300; i++) {
    const up = await new Promise((ok) => {
      const c = connect(port, '127.0.0.1', () => { c.end(); ok(true); });
      c.on('error', () => ok(false));
    });
    if (up) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const stop = () => { child.kill('SIGKILL'); rmSync(store, { recursive: true, force: true }); };
  return { url: `nats://127.0.0.1:${port}`, stop };
}

test('the job page lists the tasks a worker ran and counts them done', async () => {
  const nats = await startNats();
  const server = await startServer(['--nats', nats.url]);
  const bin = resolve(here, process.env.QE_BIN ?? '../target/debug/qe');
  const worker = spawn(bin, ['worker', '--nats', nats.url, '--name', 'e2e-worker'], {
    env: { ...process.env, QE_LOG: 'warn' }, stdio: 'ignore',
  });
  const browser = await launchBrowser();
  const errors = [];
  try {
    const body = JSON.stringify({
      data: { dataset_path: 'data/demo.parquet', symbols: ['EURUSD'], timeframe: '5m', start: '2022-01-01', end: '2024-12-31' },
      strategy: {
        filters: { ema_fast: 9, ema_slow: 26 }, tpsl: { atr_k: 2.0 },
        validation: { train_months: 3, test_months: 1, folds: 6, embargo_days: 0 }, objective: 'sharpe',
        search_space: { ema_fast: [5, 8, 12, 16, 20], ema_slow: [30, 40, 50, 60, 80] },
      },
    });
    const res = await fetch(server.base + '/submit', {
      method: 'POST', headers: { 'Content-Type': 'application/json', Prefer: 'respond-async' }, body,
    });
    assert.equal(res.status, 202);
    const { id } = await res.json();
    const page = await newPage(browser, errors);
    await page.goto(`${server.base}/ui/jobs/${id}?kind=optimize`);
    await hydrated(page);
    await page.waitForSelector('#tasks', { timeout: 60_000 });
    await page.waitForFunction(() => {
      const s = document.querySelector('#tasks-summary')?.textContent ?? '';
      const m = s.match(/^(\d+)\/(\d+) tasks done/);
      return m && m[1] === m[2] && Number(m[2]) > 0;
    }, null, { timeout: 120_000 });
    const workers = await page.$$eval('#task-rows tbody tr td:nth-child(5)', (tds) => tds.map((td) => td.textContent));
    assert.ok(workers.length > 0 && workers.every((w) => w === 'e2e-worker'), JSON.stringify(workers));
    const api = await (await fetch(`${server.base}/jobs/${id}/tasks`)).json();
    assert.equal(api.length, workers.length, 'one row per task of GET /jobs/{id}/tasks');
    await page.waitForSelector('#job-results', { timeout: 60_000 });
    await page.screenshot({ path: join(screenshotDir, 'job-tasks.png'), fullPage: true });
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    worker.kill('SIGKILL');
    await server.stop();
    nats.stop();
  }
});
