// Shared harness for the browser tests: a real `qe serve` on a free port with a fresh home,
// and Debian's chromium driven by playwright-core (never a downloaded browser).
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';

const here = new URL('.', import.meta.url).pathname;
export const screenshotDir = join(here, 'screenshots');
mkdirSync(screenshotDir, { recursive: true });

/** Starts `qe serve --seed-demo` and resolves with its base URL once it prints its address. */
export async function startServer(extraArgs = []) {
  const bin = resolve(here, process.env.QE_BIN ?? '../target/debug/qe');
  const siteRoot = resolve(here, process.env.QE_SITE_ROOT ?? '../target/site');
  const home = mkdtempSync(join(tmpdir(), 'qe-e2e-'));
  const env = { ...process.env, QE_HOME: home, QE_DATA_ROOT: home, QE_LOG: 'warn' };
  delete env.QE_DB_URL;
  delete env.DB_DSN;
  const child = spawn(bin, ['serve', '--addr', '127.0.0.1:0', '--site-root', siteRoot, '--seed-demo', ...extraArgs], {
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const base = await new Promise((ok, fail) => {
    let buf = '';
    child.stdout.on('data', (d) => {
      buf += d;
      const m = buf.match(/listening on (http:\/\/\S+)/);
      if (m) ok(m[1]);
    });
    child.on('exit', (code) => fail(new Error(`qe serve exited with ${code} before listening`)));
  });
  // Stops the server and removes its home (demo data, database, artifacts) once it has exited.
  const stop = () => new Promise((ok) => {
    if (child.exitCode !== null) { rmSync(home, { recursive: true, force: true }); ok(); return; }
    child.once('exit', () => { rmSync(home, { recursive: true, force: true }); ok(); });
    child.kill('SIGTERM');
  });
  return { base, home, stop };
}

/** Launches headless chromium with the flags that work on these machines. */
export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
}

/** Opens a page that fails the test on any console error or uncaught exception. */
export async function newPage(browser, errors) {
  const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()}`); });
  return page;
}

/** Waits until the WASM has hydrated the page (the shell marks `main[data-hydrated="true"]`). */
export async function hydrated(page) {
  await page.waitForSelector('main[data-hydrated="true"]', { timeout: 30_000 });
}

/** Reads a canvas back: how many pixels carry ink (not white/transparent) and how many are clearly coloured. */
export async function canvasInk(page, selector) {
  await page.waitForSelector(`${selector}[data-drawn="true"]`, { timeout: 30_000 });
  return page.$eval(selector, (c) => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let ink = 0, colour = 0;
    for (let i = 0; i < d.length; i += 4) {
      const [r, g, b, a] = [d[i], d[i + 1], d[i + 2], d[i + 3]];
      if (a > 0 && (r < 235 || g < 235 || b < 235)) ink++;
      if (a > 0 && Math.max(r, g, b) - Math.min(r, g, b) > 40) colour++;
    }
    return { ink, colour, total: c.width * c.height };
  });
}

/** The text of every cell of one column (by `data-metric` or index) in a table body. */
export async function columnTexts(page, table, metric) {
  return page.$$eval(`${table} tbody td[data-metric="${metric}"]`, (tds) => tds.map((td) => td.innerText.trim()));
}

/** A displayed number back to a float (`12.3%` → 0.123, `1,234` → 1234, `—` → NaN). */
export function parseShown(text) {
  const t = text.replace(/,/g, '').trim();
  if (t.endsWith('%')) return parseFloat(t) / 100;
  return parseFloat(t);
}
