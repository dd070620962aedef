// Shared harness for the browser tests: a real `qe serve` on a free port with a fresh home,
// and Debian's chromium driven by playwright-core (never a downloaded browser).
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync } from 'node:fs';
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
  const env = { ...process.env, QE_HOME: home, QE_LOG: 'warn' };
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
  return { base, home, stop: () => child.kill('SIGTERM') };
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
