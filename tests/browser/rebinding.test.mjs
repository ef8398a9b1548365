// DNS rebinding, in headless Chromium: a page of a made-up name (evil.test) whose name
// resolves to 127.0.0.1 calls a keyless crm-trends server on that name and the server's
// port, so the browser takes the calls for same-origin ones. The server refuses them (421)
// because it does not answer to that name; told to answer to it (CRM_ALLOWED_HOSTS), the
// same page reads and writes, which shows the browser really carries the attack and that
// the refusal is the server's. The dashboard on 127.0.0.1 keeps working.
//
// Current Chromium blocks such requests by itself (local network access checks); Firefox
// and Safari do not, so the test turns those checks off to stand in for them.
//
//   node --test            (from tests/browser/, after npm ci; or run ./run.sh)

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { STEP_TIMEOUT_MS, UI_TIMEOUT_MS, launchBrowser, startServer, stopServer } from './support.mjs';

const EVIL = 'evil.test';

// The attacker's page. The test serves it itself (the browser never asks the network for
// it); its scripts then call the crm-trends server under the same made-up name.
const ATTACK_PAGE = '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Free coupons</title></head>' +
  '<body><h1>Free coupons</h1></body></html>';

/** What the page's same-origin calls got: each call's status and the body's `code`, or the
 * error the browser raised. */
function attack(page) {
  return page.evaluate(async () => {
    const call = async (method, apiPath, body) => {
      try {
        const response = await fetch(apiPath, {
          method,
          headers: body ? { 'Content-Type': 'application/json' } : {},
          body: body ? JSON.stringify(body) : undefined,
        });
        const json = await response.json().catch(() => ({}));
        return { status: response.status, code: json.code ?? null, customerId: json.customerId ?? null };
      } catch (error) {
        return { error: `${error.name}: ${error.message}` };
      }
    };
    return {
      card: await call('GET', '/api/customers/5/insights'),
      sync: await call('POST', '/api/sync/sales', {
        sales: [{ id: 9001, customer_id: 5, total_amount: 1.0, created_at: '2025-09-27T10:30:00Z' }],
      }),
      erase: await call('DELETE', '/api/calendar/events/1'),
    };
  });
}

describe('a page reached through DNS rebinding', { timeout: 120_000 }, () => {
  const dirs = [];
  const servers = [];
  let context;
  let page;

  const tempDir = (prefix) => {
    const dir = mkdtempSync(path.join(tmpdir(), prefix));
    dirs.push(dir);
    return dir;
  };

  before(async () => {
    context = await launchBrowser(tempDir('crm-trends-rebinding-profile-'), [
      `--host-resolver-rules=MAP ${EVIL} 127.0.0.1`,
      '--disable-features=LocalNetworkAccessChecks,BlockInsecurePrivateNetworkRequests,PrivateNetworkAccessRespectPreflightResults',
    ]);
    page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(UI_TIMEOUT_MS);
    await context.route(`http://${EVIL}:*/coupons.html`, (route) =>
      route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: ATTACK_PAGE }),
    );
  });

  after(async () => {
    await context?.close().catch(() => {});
    for (const server of servers) await stopServer(server);
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  /** A keyless crm-trends server holding customer 5 and one calendar event. */
  const serve = async (args = []) => {
    const server = await startServer({ dataDir: tempDir('crm-trends-rebinding-db-'), args });
    servers.push(server);
    const post = async (apiPath, body) => {
      const response = await fetch(`${server.url}${apiPath}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(UI_TIMEOUT_MS),
      });
      assert.ok(response.ok, `${apiPath}: ${response.status} ${await response.text()}`);
    };
    await post('/api/sync/customers', { customers: [{ id: 5, name: 'Asha Rao' }] });
    await post('/api/calendar/events', { event_type: 'festival', name: 'Diwali', date: '2025-11-12', impact_level: 'high' });
    return server;
  };

  const salesStored = async (server) => {
    const response = await fetch(`${server.url}/api/sync/status`, { signal: AbortSignal.timeout(UI_TIMEOUT_MS) });
    return (await response.json()).sales.records;
  };

  it('is refused by a keyless server: nothing read, written or deleted', { timeout: STEP_TIMEOUT_MS }, async () => {
    const server = await serve();
    const port = new URL(server.url).port;
    await page.goto(`http://${EVIL}:${port}/coupons.html`);
    const result = await attack(page);
    assert.deepEqual(
      result,
      {
        card: { status: 421, code: 'misdirected-request', customerId: null },
        sync: { status: 421, code: 'misdirected-request', customerId: null },
        erase: { status: 421, code: 'misdirected-request', customerId: null },
      },
      JSON.stringify(result),
    );
    assert.equal(await salesStored(server), 0);
    const event = await fetch(`${server.url}/api/calendar/events/1`, { signal: AbortSignal.timeout(UI_TIMEOUT_MS) });
    assert.equal(event.status, 200);

    // The dashboard, on the server's own address, still reads the API.
    await page.goto(`${server.url}/`);
    const status = await page.evaluate(async () => (await fetch('/api/sync/status')).status);
    assert.equal(status, 200);
  });

  it('succeeds against a server told to answer to that name: the browser carries the attack', { timeout: STEP_TIMEOUT_MS }, async () => {
    const server = await serve(['--allowed-hosts', EVIL]);
    const port = new URL(server.url).port;
    await page.goto(`http://${EVIL}:${port}/coupons.html`);
    const result = await attack(page);
    assert.deepEqual(
      result,
      {
        card: { status: 200, code: null, customerId: 5 },
        sync: { status: 200, code: null, customerId: null },
        erase: { status: 204, code: null, customerId: null },
      },
      JSON.stringify(result),
    );
    assert.equal(await salesStored(server), 1);
  });
});
