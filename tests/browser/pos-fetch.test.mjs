// The seed's checkout call, from a real POS page in headless Chromium: a page served on
// http://localhost:3000 (the POS front end's origin in the seed) runs
// `fetch('http://localhost:3001/api/customers/123/insights')` against a crm-trends server
// with its default CORS settings, first without keys, then with a key, and reads
// `preferredProducts`. A page of another local origin makes the same call and is refused.
//
//   node --test            (from tests/browser/, after npm ci; or run ./run.sh)
//
// Port 3000 must be free: it is the origin the server allows by default.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { STEP_TIMEOUT_MS, UI_TIMEOUT_MS, launchBrowser, startServer, stopServer } from './support.mjs';

const POS_PORT = 3000;

// A stand-in for the POS front end: one page, which the test drives.
const POS_PAGE = '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>POS checkout</title></head>' +
  '<body><h1>Checkout</h1></body></html>';

/** Serves the POS page on 127.0.0.1:`port` (0: any free port); resolves to its origin. */
function startPosPage(port) {
  const server = createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(POS_PAGE);
  });
  return new Promise((resolve, reject) => {
    server.once('error', (error) =>
      reject(new Error(`cannot serve the POS page on port ${port}: ${error.message} (port ${POS_PORT} must be free)`)),
    );
    server.listen(port, '127.0.0.1', () => resolve({ server, port: server.address().port }));
  });
}

/** Stores customer 123 with two purchases of the same product, as the POS would sync them. */
async function syncCustomer(baseUrl, key) {
  const headers = { 'Content-Type': 'application/json', ...(key ? { Authorization: `Bearer ${key}` } : {}) };
  const post = async (apiPath, body) => {
    const response = await fetch(`${baseUrl}${apiPath}`, {
      method: 'POST',
      headers,
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(UI_TIMEOUT_MS),
    });
    assert.equal(response.status, 200, `${apiPath}: ${await response.text()}`);
  };
  await post('/api/sync/customers', { customers: [{ id: 123, name: 'Asha Rao', phone: '9876543210' }] });
  const item = { product_id: '85123A', product_name: 'T-light holder', category: 'Home', quantity: 2, unit_price: 12.75 };
  await post('/api/sync/sales', {
    sales: [
      { id: 5001, customer_id: 123, total_amount: 25.5, created_at: '2025-09-20T10:30:00Z', items: [item] },
      { id: 5002, customer_id: 123, total_amount: 25.5, created_at: '2025-09-27T10:30:00Z', items: [item] },
    ],
  });
}

/**
 * Runs the seed's call in the page, as the POS's checkout code would, and reports what the
 * page could see: the status and body, or the error the browser raised.
 */
function checkoutFetch(page, url, key) {
  return page.evaluate(
    async ({ url, key }) => {
      try {
        const response = await fetch(url, key ? { headers: { Authorization: `Bearer ${key}` } } : undefined);
        return { status: response.status, body: await response.json() };
      } catch (error) {
        return { error: `${error.name}: ${error.message}` };
      }
    },
    { url, key },
  );
}

describe("the seed's POS page calls the insight card across origins", { timeout: 120_000 }, () => {
  const writeKey = randomBytes(16).toString('hex');
  const dirs = [];
  const servers = [];
  let pos;
  let otherPage;
  let context;
  let page;

  const tempDir = (prefix) => {
    const dir = mkdtempSync(path.join(tmpdir(), prefix));
    dirs.push(dir);
    return dir;
  };

  before(async () => {
    pos = await startPosPage(POS_PORT);
    otherPage = await startPosPage(0);
    context = await launchBrowser(tempDir('crm-trends-pos-profile-'));
    page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(UI_TIMEOUT_MS);
  });

  after(async () => {
    await context?.close().catch(() => {});
    for (const server of servers) await stopServer(server);
    for (const s of [pos, otherPage]) s?.server.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  /** A crm-trends server with customer 123 synced; its URL spelled with `localhost`, as the seed's. */
  const serve = async (key) => {
    const server = await startServer({ writeKey: key, dataDir: tempDir('crm-trends-pos-db-') });
    servers.push(server);
    await syncCustomer(server.url, key);
    return server.url.replace('127.0.0.1', 'localhost');
  };

  it('without keys: the POS page reads the card and its preferredProducts', { timeout: STEP_TIMEOUT_MS }, async () => {
    const crm = await serve(undefined);
    await page.goto(`http://localhost:${POS_PORT}/`);
    const result = await checkoutFetch(page, `${crm}/api/customers/123/insights`);
    assert.equal(result.status, 200, JSON.stringify(result));
    assert.equal(result.body.customerId, 123);
    assert.deepEqual(
      result.body.preferredProducts.map((p) => [p.productId, p.name, p.quantity, p.timesBought]),
      [['85123A', 'T-light holder', 4, 2]],
    );
  });

  it('with keys: the page reads the 401 without one and the card with one', { timeout: STEP_TIMEOUT_MS }, async () => {
    const crm = await serve(writeKey);
    await page.goto(`http://127.0.0.1:${POS_PORT}/`);
    const refused = await checkoutFetch(page, `${crm}/api/customers/123/insights`);
    assert.equal(refused.status, 401, JSON.stringify(refused));
    assert.equal(refused.body.code, 'unauthorized');
    const card = await checkoutFetch(page, `${crm}/api/customers/123/insights`, writeKey);
    assert.equal(card.status, 200, JSON.stringify(card));
    assert.deepEqual(card.body.preferredProducts.map((p) => p.name), ['T-light holder']);
  });

  it('a page from another local origin is refused', { timeout: STEP_TIMEOUT_MS }, async () => {
    const crm = await serve(undefined);
    await page.goto(`http://localhost:${otherPage.port}/`);
    const result = await checkoutFetch(page, `${crm}/api/customers/123/insights`);
    assert.match(result.error ?? '', /TypeError: Failed to fetch/, JSON.stringify(result));
    const keyed = await checkoutFetch(page, `${crm}/api/customers/123/insights`, writeKey);
    assert.match(keyed.error ?? '', /TypeError: Failed to fetch/, JSON.stringify(keyed));
  });
});
