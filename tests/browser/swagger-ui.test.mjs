// End-to-end test of Swagger UI as an integrator uses it: a real crm-trends server with a
// write key, headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core),
// and the "Try it out" flow without and with "Authorize".
//
//   node --test            (from tests/browser/, after npm ci; or run ./run.sh)
//
// CRM_TRENDS_BIN names the server binary (default ../../target/debug/crm-trends from
// this file); CHROMIUM_BIN the browser (default /usr/bin/chromium).

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  STEP_TIMEOUT_MS,
  UI_TIMEOUT_MS,
  chromiumBin,
  launchBrowser,
  outputDir,
  serverBin,
  startServer,
  stopServer,
  waitUntil,
} from './support.mjs';

const screenshotPath = path.join(outputDir, 'swagger-ui.png');

const CUSTOMERS_BODY = '{"customers":[{"id":1,"name":"John Doe","phone":"1234567890","email":"john@example.com"}]}';

/** Records what a page says and asks for, to check CSP and offline use afterwards. */
function watchPage(page, origin) {
  const seen = { console: [], pageErrors: [], foreignRequests: [] };
  page.on('console', (message) => seen.console.push({ type: message.type(), text: message.text() }));
  page.on('pageerror', (error) => seen.pageErrors.push(error.message));
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.origin !== origin && url.protocol !== 'data:') seen.foreignRequests.push(request.url());
  });
  return seen;
}

const isCspMessage = (text) => /content[- ]security[- ]policy|refused to (load|execute|apply|connect|frame)/i.test(text);

function cspViolations(seen) {
  return [...seen.console.map((m) => m.text), ...seen.pageErrors].filter(isCspMessage);
}

/** Expands an operation block (operations-{tag}-{operationId}) if it is collapsed. */
async function expandOperation(page, id) {
  const block = page.locator(`#${id}`);
  await block.waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });
  if (!(await block.evaluate((el) => el.classList.contains('is-open')))) {
    await block.locator('.opblock-summary-control').click({ timeout: UI_TIMEOUT_MS });
  }
  await block.locator('.opblock-body').waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });
  return block;
}

/** Turns "Try it out" on (the same button then reads "Cancel"), unless it already is. */
async function tryItOut(block) {
  const toggle = block.locator('button.try-out__btn');
  await toggle.waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });
  if ((await toggle.innerText()).trim() === 'Try it out') {
    await block.getByRole('button', { name: 'Try it out' }).click({ timeout: UI_TIMEOUT_MS });
  }
  await block.getByRole('button', { name: 'Execute' }).waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });
}

/**
 * Clicks "Execute" and returns what reached the browser from the server, together with
 * what Swagger UI then shows in its live response table.
 */
async function execute(page, block, method, apiPath) {
  // Swagger UI 5 puts both classes on one table: table.responses-table.live-responses-table.
  const live = block.locator('.responses-table.live-responses-table');
  // Clear an earlier answer first, so that it cannot be mistaken for this one.
  const clear = block.getByRole('button', { name: 'Clear' });
  if (await clear.isVisible()) {
    await clear.click({ timeout: UI_TIMEOUT_MS });
    await live.waitFor({ state: 'detached', timeout: UI_TIMEOUT_MS });
  }
  const [response] = await Promise.all([
    page.waitForResponse(
      (r) => new URL(r.url()).pathname === apiPath && r.request().method() === method,
      { timeout: UI_TIMEOUT_MS },
    ),
    block.getByRole('button', { name: 'Execute' }).click({ timeout: UI_TIMEOUT_MS }),
  ]);
  const statusCell = live.locator('tr.response td.response-col_status').first();
  const shownStatus = await waitUntil(
    `Swagger UI to show the live response of ${method} ${apiPath} (the server answered ${response.status()})`,
    () => statusCell.innerText({ timeout: 1_000 }),
    (text) => text.trim() === String(response.status()),
  );
  const body = await live.locator('tr.response td.response-col_description .highlight-code pre').first()
    .innerText({ timeout: UI_TIMEOUT_MS });
  const curl = await block.locator('.curl-command').innerText({ timeout: UI_TIMEOUT_MS }).catch(() => '');
  const requestUrl = await block.locator('.request-url pre').innerText({ timeout: UI_TIMEOUT_MS }).catch(() => '');
  return { networkStatus: response.status(), shownStatus: Number(shownStatus.trim()), body, curl, requestUrl };
}

describe('Swagger UI served by crm-trends', { timeout: 180_000 }, () => {
  const writeKey = randomBytes(16).toString('hex');
  let dataDir;
  let profileDir;
  let server;
  let context;
  let page;
  let seen;

  let failedStep = null;

  /**
   * Runs a step of the one browser session; on failure saves a screenshot named after it.
   * The steps build on each other, so once one fails the rest are skipped.
   */
  const step = (name, fn) =>
    it(name, { timeout: STEP_TIMEOUT_MS }, async (t) => {
      if (failedStep) {
        t.skip(`an earlier step failed: ${failedStep}`);
        return;
      }
      try {
        await fn();
      } catch (error) {
        failedStep = name;
        if (page) {
          const file = path.join(outputDir, `failure-${name.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}.png`);
          await page.screenshot({ path: file, fullPage: true, timeout: UI_TIMEOUT_MS }).catch(() => {});
          error.message += `\n(screenshot: ${file})`;
        }
        throw error;
      }
    });

  before(async () => {
    assert.ok(existsSync(serverBin), `no server binary at ${serverBin} (build it, or set CRM_TRENDS_BIN)`);
    assert.ok(existsSync(chromiumBin), `no Chromium at ${chromiumBin} (apt-get install chromium, or set CHROMIUM_BIN)`);
    mkdirSync(outputDir, { recursive: true });
    // Screenshots of an earlier run would mislead: this run makes its own.
    for (const old of readdirSync(outputDir)) if (/\.png$/.test(old)) rmSync(path.join(outputDir, old));
    dataDir = mkdtempSync(path.join(tmpdir(), 'crm-trends-browser-db-'));
    profileDir = mkdtempSync(path.join(tmpdir(), 'crm-trends-browser-profile-'));
    server = await startServer({ host: '127.0.0.1', writeKey, dataDir });
    context = await launchBrowser(profileDir);
    page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(UI_TIMEOUT_MS);
    seen = watchPage(page, new URL(server.url).origin);
  });

  after(async () => {
    if (page) await page.screenshot({ path: screenshotPath, fullPage: true, timeout: UI_TIMEOUT_MS }).catch(() => {});
    await context?.close().catch(() => {});
    await stopServer(server);
    for (const dir of [dataDir, profileDir]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  step('loads with the crm-trends heading, the operations and no CSP violation', async () => {
    const response = await page.goto(`${server.url}/swagger-ui/`, { timeout: UI_TIMEOUT_MS });
    assert.equal(response.status(), 200);
    assert.match(response.headers()['content-security-policy'] ?? '', /script-src 'self'/, 'the page is served with the strict CSP');
    const heading = page.locator('.information-container .info .title');
    await heading.waitFor({ state: 'visible' });
    assert.match(await heading.innerText(), /^crm-trends\b/);
    for (const [id, method, apiPath] of [
      ['operations-health-get_health', 'GET', '/api/health'],
      ['operations-sync-sync_customers', 'POST', '/api/sync/customers'],
      ['operations-sync-sync_sales', 'POST', '/api/sync/sales'],
      ['operations-sync-sync_products', 'POST', '/api/sync/products'],
      ['operations-sync-get_sync_status', 'GET', '/api/sync/status'],
      ['operations-analytics-get_trends', 'GET', '/api/analytics/trends'],
      ['operations-operations-get_metrics', 'GET', '/metrics'],
    ]) {
      const summary = page.locator(`#${id} .opblock-summary`);
      await summary.waitFor({ state: 'visible' });
      assert.equal((await summary.locator('.opblock-summary-method').innerText()).trim(), method, id);
      assert.equal((await summary.locator('.opblock-summary-path').innerText()).trim().replace(/\u200b/g, ''), apiPath, id);
    }
    // Give any late CSP report (fonts, images, validator badge) a moment to surface.
    await page.waitForLoadState('networkidle', { timeout: UI_TIMEOUT_MS });
    assert.deepEqual(cspViolations(seen), [], 'Content-Security-Policy violations on load');
    assert.deepEqual(seen.pageErrors, [], 'uncaught page errors on load');
    assert.deepEqual(seen.foreignRequests, [], 'requests to anything but the server (it must work offline)');
  });

  step('"Try it out" without a key shows the live 401', async () => {
    const block = await expandOperation(page, 'operations-sync-get_sync_status');
    await tryItOut(block);
    const result = await execute(page, block, 'GET', '/api/sync/status');
    assert.equal(result.networkStatus, 401, 'the server answered 401');
    assert.equal(result.shownStatus, 401, 'Swagger UI shows 401');
    assert.match(result.body, /"code":\s*"unauthorized"/);
    assert.doesNotMatch(result.curl, /Authorization/i, 'no key is sent before authorizing');
    assert.equal(result.requestUrl.trim(), `${server.url}/api/sync/status`);
  });

  step('"Authorize" takes the key as the api_key bearer', async () => {
    const openButton = page.locator('.auth-wrapper .btn.authorize');
    await openButton.click();
    const modal = page.locator('.dialog-ux .modal-ux');
    await modal.waitFor({ state: 'visible' });
    const scheme = modal.locator('.auth-container').filter({ has: page.locator('h4 code', { hasText: /^api_key$/ }) });
    await scheme.waitFor({ state: 'visible' });
    assert.match(await scheme.locator('h4').innerText(), /\(http, Bearer\)/);
    await scheme.locator('input#auth-bearer-value').fill(writeKey);
    await scheme.getByRole('button', { name: 'Apply credentials' }).click();
    // Once applied, the scheme shows "Authorized" and "Logout" (labelled "Remove
    // authorization") replaces "Authorize".
    await scheme.locator('h6', { hasText: /^Authorized$/ }).waitFor({ state: 'visible' });
    await scheme.getByRole('button', { name: 'Remove authorization' }).waitFor({ state: 'visible' });
    assert.doesNotMatch(await scheme.innerText(), new RegExp(writeKey), 'the key is not echoed back');
    await scheme.getByRole('button', { name: 'Close' }).click();
    await modal.waitFor({ state: 'hidden' });
    await waitUntil('the Authorize button to show a closed lock', () => openButton.getAttribute('class'), (c) => /\blocked\b/.test(c ?? ''));
  });

  step('POST /api/sync/customers through "Try it out" creates the customer', async () => {
    const block = await expandOperation(page, 'operations-sync-sync_customers');
    await tryItOut(block);
    const body = block.locator('textarea.body-param__text');
    await body.waitFor({ state: 'visible' });
    await body.fill(CUSTOMERS_BODY);
    const result = await execute(page, block, 'POST', '/api/sync/customers');
    assert.equal(result.networkStatus, 200, `the server answered ${result.networkStatus}: ${result.body}`);
    assert.equal(result.shownStatus, 200, 'Swagger UI shows 200');
    assert.match(result.body, /"created":\s*1\b/);
    assert.deepEqual(JSON.parse(result.body), { received: 1, created: 1, updated: 0, unchanged: 0 });
    assert.match(result.curl, new RegExp(`Authorization: Bearer ${writeKey}`), 'the key was sent as a bearer token');

    // The UI really wrote to this server: ask it directly, with the key.
    const direct = await fetch(`${server.url}/api/sync/status`, {
      headers: { Authorization: `Bearer ${writeKey}` },
      signal: AbortSignal.timeout(UI_TIMEOUT_MS),
    });
    assert.equal(direct.status, 200);
    const status = await direct.json();
    assert.equal(status.customers.records, 1, JSON.stringify(status));
  });

  step('GET /api/sync/status through "Try it out" is 200 once authorized', async () => {
    const block = await expandOperation(page, 'operations-sync-get_sync_status');
    await tryItOut(block);
    const result = await execute(page, block, 'GET', '/api/sync/status');
    assert.equal(result.networkStatus, 200, `the server answered ${result.networkStatus}: ${result.body}`);
    assert.equal(result.shownStatus, 200, 'Swagger UI shows 200');
    const status = JSON.parse(result.body);
    assert.equal(status.customers.records, 1);
    assert.equal(status.customers.batches, 1);
    assert.match(result.curl, /Authorization: Bearer /);
    // For the closing screenshot: fold the customers operation so this one is near the top.
    await page.locator('#operations-sync-sync_customers .opblock-summary-control').click();
    await page.locator('#operations-sync-sync_customers .opblock-body').waitFor({ state: 'hidden' });
    await block.scrollIntoViewIfNeeded();
  });

  step('no CSP violation or page error during the whole session', async () => {
    assert.deepEqual(cspViolations(seen), [], 'Content-Security-Policy violations');
    assert.deepEqual(seen.pageErrors, [], 'uncaught page errors');
    assert.deepEqual(seen.foreignRequests, [], 'requests to anything but the server');
    // The one console error expected is the browser's own note on the deliberate 401.
    const unexpected = seen.console.filter(
      (m) => m.type === 'error' && !/the server responded with a status of 401/.test(m.text),
    );
    assert.deepEqual(unexpected, [], 'unexpected console errors');
  });
});

// Swagger UI shows an "online validator" badge, an <img> from validator.swagger.io that is
// sent the spec's URL, unless the page is on "localhost" or "127.0.0.1". So the suite
// above, on 127.0.0.1, cannot see it, but any real deployment does: the server's CSP
// (img-src 'self' data:) blocks the image and the console reports a violation. Serving
// on 127.0.0.2 (still loopback) shows what a deployment sees. The server turns the badge
// off (utoipa-swagger-ui: Config::validator_url("none")); this proves it stays off.
it(
  'on a host other than localhost/127.0.0.1 the page makes no CSP violation and no outside request',
  { timeout: STEP_TIMEOUT_MS },
  async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'crm-trends-browser-db-'));
    const profileDir = mkdtempSync(path.join(tmpdir(), 'crm-trends-browser-profile-'));
    let server;
    let context;
    try {
      server = await startServer({ host: '127.0.0.2', writeKey: randomBytes(16).toString('hex'), dataDir });
      context = await launchBrowser(profileDir);
      const page = context.pages()[0] ?? (await context.newPage());
      page.setDefaultTimeout(UI_TIMEOUT_MS);
      const seen = watchPage(page, new URL(server.url).origin);
      await page.goto(`${server.url}/swagger-ui/`, { timeout: UI_TIMEOUT_MS });
      await page.locator('#operations-sync-sync_sales').waitFor({ state: 'visible' });
      await page.waitForLoadState('networkidle', { timeout: UI_TIMEOUT_MS });
      assert.deepEqual(cspViolations(seen), [], 'Content-Security-Policy violations on load');
      assert.deepEqual(seen.foreignRequests, [], 'requests to anything but the server');
    } finally {
      await context?.close().catch(() => {});
      await stopServer(server);
      for (const dir of [dataDir, profileDir]) rmSync(dir, { recursive: true, force: true });
    }
  },
);
