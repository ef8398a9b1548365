// What the browser tests share: the crm-trends server they start, the headless Chromium
// they drive, and a few waits. CRM_TRENDS_BIN names the server binary (default
// ../../target/debug/crm-trends from this file); CHROMIUM_BIN the browser (default
// /usr/bin/chromium).

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const here = path.dirname(fileURLToPath(import.meta.url));
export const serverBin = path.resolve(process.env.CRM_TRENDS_BIN ?? path.join(here, '../../target/debug/crm-trends'));
export const chromiumBin = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';
export const outputDir = path.join(here, 'output');

export const STARTUP_TIMEOUT_MS = 20_000;
export const UI_TIMEOUT_MS = 15_000; // the longest any single wait may take
export const STEP_TIMEOUT_MS = 60_000;

// Without the background-networking switches Chromium tries to reach the internet (which
// this machine cannot) at start; --headless and --no-sandbox are also what playwright adds.
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** This process's environment without the server's own settings, plus a write key and a
 * read key (none: no keys). */
function serverEnv(writeKey, readKey) {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('CRM_') && name !== 'DATABASE_URL'),
  );
  const keys = { ...(writeKey ? { CRM_WRITE_KEYS: writeKey } : {}), ...(readKey ? { CRM_READ_KEYS: readKey } : {}) };
  return { ...env, ...keys, RUST_LOG: process.env.RUST_LOG ?? 'info' };
}

/** Starts `crm-trends serve` on a free loopback port over `dataDir`'s database (a new one
 * unless something was put there), with extra `serve` arguments. */
export function startServer({ host = '127.0.0.1', writeKey, readKey, dataDir, args = [] }) {
  return new Promise((resolve, reject) => {
    const child = spawn(
      serverBin,
      ['serve', '--host', host, '--port', '0', '--database-url', path.join(dataDir, 'crm.sqlite'), ...args],
      {
        env: serverEnv(writeKey, readKey),
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const server = { child, url: null, log: [] };
    const remember = (prefix) => (chunk) => {
      for (const line of chunk.toString('utf8').split('\n')) if (line) server.log.push(prefix + line);
      if (server.log.length > 400) server.log.splice(0, server.log.length - 400);
    };
    let stdoutBuffer = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not print its address within ${STARTUP_TIMEOUT_MS} ms:\n${tail(server)}`));
    }, STARTUP_TIMEOUT_MS);
    child.stderr.on('data', remember('stderr: '));
    child.stdout.on('data', (chunk) => {
      remember('stdout: ')(chunk);
      if (server.url) return;
      stdoutBuffer += chunk.toString('utf8');
      const match = /^crm-trends listening on (http:\/\/\S+)$/m.exec(stdoutBuffer);
      if (match) {
        server.url = match[1];
        clearTimeout(timer);
        resolve(server);
      }
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`cannot start ${serverBin}: ${error.message}`));
    });
    child.on('exit', (code, signal) => {
      server.exited = true;
      if (!server.url) {
        clearTimeout(timer);
        reject(new Error(`server exited before listening (code ${code}, signal ${signal}):\n${tail(server)}`));
      }
    });
  });
}

export function tail(server, lines = 30) {
  return server.log.slice(-lines).join('\n');
}

/** SIGTERM, then SIGKILL if the server has not stopped within a few seconds. */
export async function stopServer(server) {
  if (!server || server.exited || server.child.exitCode !== null) return;
  const exited = new Promise((resolve) => server.child.once('exit', resolve));
  server.child.kill('SIGTERM');
  const stopped = await Promise.race([exited.then(() => true), idleSleep(5_000).then(() => false)]);
  if (!stopped) {
    server.child.kill('SIGKILL');
    await Promise.race([exited, idleSleep(2_000)]);
  }
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
/** A sleep that does not keep the process alive once everything else is done. */
export const idleSleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms).unref());

/** Polls `read` until `accept` holds for its value; fails after `timeout` with the last value. */
export async function waitUntil(what, read, accept, timeout = UI_TIMEOUT_MS) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await read();
      if (accept(last)) return last;
    } catch (error) {
      last = `(${error.message.split('\n')[0]})`;
    }
    if (Date.now() > deadline) assert.fail(`timed out after ${timeout} ms waiting for ${what}; last seen: ${JSON.stringify(last)}`);
    await sleep(100);
  }
}

export async function launchBrowser(userDataDir, extraArgs = []) {
  return chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumBin,
    headless: true,
    args: [...CHROMIUM_ARGS, ...extraArgs],
    viewport: { width: 1280, height: 900 },
    timeout: UI_TIMEOUT_MS,
  });
}
