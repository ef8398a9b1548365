// A small typed client for crm-trends, built on openapi-fetch over the types that
// openapi-typescript generates from openapi/openapi.json (`npm run generate`).
//
// Every path, method, query parameter, request body and response body is checked by the
// compiler against the spec: `client.POST("/api/sync/sales", { body })` only accepts a
// `SyncSalesRequest`, its `data` is a `SyncResponse` and its `error` a `Problem`.

import createClient, { type Client, type ClientOptions } from "openapi-fetch";
import type { components, paths } from "./generated/schema.js";

/** The generated client: `GET`, `POST`, ... typed by the spec's paths. */
export type CrmTrendsClient = Client<paths>;

/** Every schema of the spec, by name: `Schemas["SaleInput"]`, `Schemas["Problem"]`, ... */
export type Schemas = components["schemas"];

export interface CrmTrendsClientOptions {
  /**
   * An API key, sent as `Authorization: Bearer <key>`. crm-trends has no API keys yet (it
   * only listens on loopback without them); the header is sent only when a key is given.
   */
  apiKey?: string | undefined;
  /** A custom fetch (tests, proxies); defaults to the global fetch of Node 20+. */
  fetch?: ClientOptions["fetch"] | undefined;
}

/**
 * A client for the crm-trends server at `baseUrl`, such as `http://127.0.0.1:3001`
 * (the paths in the spec already start with `/api`).
 */
export function createCrmTrendsClient(
  baseUrl: string,
  options: CrmTrendsClientOptions = {},
): CrmTrendsClient {
  const clientOptions: ClientOptions = { baseUrl: baseUrl.replace(/\/+$/, "") };
  if (options.apiKey !== undefined && options.apiKey !== "") {
    clientOptions.headers = { Authorization: `Bearer ${options.apiKey}` };
  }
  if (options.fetch !== undefined) {
    clientOptions.fetch = options.fetch;
  }
  return createClient<paths>(clientOptions);
}

/** One line describing an error body (RFC 9457 problem details), for logs. */
export function describeProblem(problem: Schemas["Problem"]): string {
  const records = (problem.errors ?? []).map((e) => {
    const where = e.index === undefined || e.index === null ? e.field : `#${e.index} ${e.field}`;
    return `${where}: ${e.message}`;
  });
  const base = `${problem.status} ${problem.code}: ${problem.detail}`;
  return records.length === 0 ? base : `${base} [${records.join("; ")}]`;
}
