// The seed POS's flow against a live crm-trends server, through the generated client:
//
//   node dist/pos-flow.js http://127.0.0.1:3001 [API_KEY]
//
// Prints one line per step and exits non-zero at the first failed check. Expects a server
// with no other sales dated 2025-09-27 (run-against-server.sh starts a fresh one).

import { createCrmTrendsClient, describeProblem, type CrmTrendsClient, type Schemas } from "./client.js";

/** How the till shows a trend: one arrow per value of the spec's `Direction`. The
 * `satisfies` check fails to compile if the spec's values change, which is the point: the
 * generated types list each fixed-value field's values. */
const ARROWS = { up: "↑", down: "↓", flat: "→" } as const satisfies Record<Schemas["Direction"], string>;

/** Each request gives up after this long, so a hung server fails the run instead of stalling it. */
const REQUEST_TIMEOUT_MS = 10_000;

const DAY = "2025-09-27";
const EXPECTED_DAY_REVENUE = 175.5; // 150.00 + 25.50

// The seed's customer, exactly as its POS sends it.
const CUSTOMERS: Schemas["SyncCustomersRequest"] = {
  customers: [{ id: 1, name: "John Doe", phone: "1234567890", email: "john@example.com" }],
};

// The seed's sale, plus a sale with a line (2 x 12.75 = 25.50) booked at 12:35 UTC.
const SALES: Schemas["SyncSalesRequest"] = {
  sales: [
    { id: 1001, customer_id: 1, total_amount: 150.0, created_at: "2025-09-27T10:30:00Z" },
    {
      id: 1002,
      customer_id: 1,
      total_amount: 25.5,
      created_at: "2025-09-27T18:05:00+05:30",
      payment_method: "card",
      items: [
        { product_id: "85123A", product_name: "T-light holder", category: "Home", quantity: 2, unit_price: 12.75 },
      ],
    },
  ],
};

// A valid walk-in sale, then one with a total of three decimals: the whole batch must be
// refused and nothing written (the trends step would see the 10.00 otherwise).
const INVALID_INDEX = 1;
const INVALID_FIELD = "total_amount";
const INVALID_SALES: Schemas["SyncSalesRequest"] = {
  sales: [
    { id: 1003, customer_id: null, total_amount: 10.0, created_at: "2025-09-27T19:00:00Z" },
    { id: 1004, customer_id: 1, total_amount: 1.005, created_at: "2025-09-27T19:05:00Z" },
  ],
};

// A yearly public holiday as a calendar app exports it (imported over 2025-2026: two events).
const HOLIDAYS_ICS = [
  "BEGIN:VCALENDAR",
  "VERSION:2.0",
  "PRODID:-//Example//Holidays//EN",
  "BEGIN:VEVENT",
  "UID:new-year@example.org",
  "DTSTAMP:20250101T000000Z",
  "SUMMARY:New Year's Day",
  "DTSTART;VALUE=DATE:20200101",
  "DTEND;VALUE=DATE:20200102",
  "RRULE:FREQ=YEARLY",
  "END:VEVENT",
  "END:VCALENDAR",
  "",
].join("\r\n");

// The catalogue with what reorder advice needs: stock, lead time, packs and a minimum order.
const PRODUCTS: Schemas["SyncProductsRequest"] = {
  products: [
    { id: "85123A", name: "White hanging heart T-light holder", category: "Home", stock_on_hand: 3, lead_time_days: 7, pack_size: 6, min_order_quantity: 12, unit_cost: 6.5 },
    { id: "85124B", name: "Glass star frosted T-light holder", category: "Home", stock_on_hand: 0, discontinued: true },
  ],
};

/** A check that did not hold: the run stops with this message. */
class CheckFailed extends Error {
  override name = "CheckFailed";
}

function check(condition: boolean, message: string): asserts condition {
  if (!condition) {
    throw new CheckFailed(message);
  }
}

/** The failure message for an answer that was not the expected 2xx. */
function unexpected(response: Response, problem: Schemas["Problem"] | undefined): CheckFailed {
  const body = problem === undefined ? "" : `: ${describeProblem(problem)}`;
  return new CheckFailed(`unexpected HTTP ${response.status}${body}`);
}

function counts(r: Schemas["SyncResponse"]): string {
  return `received ${r.received}, created ${r.created}, updated ${r.updated}, unchanged ${r.unchanged}`;
}

function options(): { signal: AbortSignal } {
  return { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) };
}

interface Step {
  name: string;
  /** Performs the step; returns what to print, or throws CheckFailed. */
  run: (api: CrmTrendsClient) => Promise<string>;
}

const steps: Step[] = [
  {
    name: "GET /api/health",
    async run(api) {
      const { data, error, response } = await api.GET("/api/health", options());
      if (error !== undefined) {
        // A 503 carries the same HealthResponse body, with the reason.
        throw new CheckFailed(
          `HTTP ${response.status}, status "${error.status}", database: ${error.database.error ?? "unreachable"}`,
        );
      }
      check(data.status === "ok", `expected status "ok", got "${data.status}"`);
      check(data.database.reachable, "expected database.reachable to be true");
      return `status "${data.status}", version ${data.version}, time zone ${data.timeZone}, database reachable`;
    },
  },
  {
    name: "POST /api/sync/customers",
    async run(api) {
      const { data, error, response } = await api.POST("/api/sync/customers", { body: CUSTOMERS, ...options() });
      if (error !== undefined) {
        throw unexpected(response, error);
      }
      check(data.received === 1, `expected received 1, got ${counts(data)}`);
      return counts(data);
    },
  },
  {
    name: "POST /api/sync/sales",
    async run(api) {
      const { data, error, response } = await api.POST("/api/sync/sales", { body: SALES, ...options() });
      if (error !== undefined) {
        throw unexpected(response, error);
      }
      const n = SALES.sales.length;
      check(data.received === n, `expected received ${n}, got ${counts(data)}`);
      check(
        data.created + data.updated + data.unchanged === n,
        `expected created + updated + unchanged = ${n}, got ${counts(data)}`,
      );
      return counts(data);
    },
  },
  {
    name: "POST /api/sync/sales (replay)",
    async run(api) {
      const { data, error, response } = await api.POST("/api/sync/sales", { body: SALES, ...options() });
      if (error !== undefined) {
        throw unexpected(response, error);
      }
      const n = SALES.sales.length;
      check(
        data.received === n && data.unchanged === n && data.created === 0 && data.updated === 0,
        `expected a replay to leave all ${n} records unchanged, got ${counts(data)}`,
      );
      return `${counts(data)} (idempotent)`;
    },
  },
  {
    name: "POST /api/sync/sales (invalid)",
    async run(api) {
      const { data, error, response } = await api.POST("/api/sync/sales", { body: INVALID_SALES, ...options() });
      if (error === undefined) {
        throw new CheckFailed(`expected HTTP 422, got ${response.status} with ${counts(data)}`);
      }
      check(response.status === 422, `expected HTTP 422, got ${response.status}: ${describeProblem(error)}`);
      const contentType = response.headers.get("content-type") ?? "";
      check(
        contentType.startsWith("application/problem+json"),
        `expected an application/problem+json body, got "${contentType}"`,
      );
      check(error.code === "validation-failed", `expected code "validation-failed", got "${error.code}"`);
      const errors = error.errors ?? [];
      const named = errors.find((e) => e.index === INVALID_INDEX && e.field === INVALID_FIELD);
      check(
        named !== undefined,
        `expected errors[] to name index ${INVALID_INDEX}, field "${INVALID_FIELD}"; got ${JSON.stringify(errors)}`,
      );
      return `HTTP 422 ${error.code}: #${INVALID_INDEX} ${named.field}: ${named.message}`;
    },
  },
  {
    name: "GET /api/sync/status",
    async run(api) {
      const { data, error, response } = await api.GET("/api/sync/status", options());
      if (error !== undefined) {
        throw unexpected(response, error);
      }
      const maxId = data.sales.maxId;
      check(
        typeof maxId === "number" && maxId >= 1001,
        `expected sales.maxId of 1001 or larger, got ${String(maxId)}`,
      );
      return `sales: ${data.sales.records} records, ${data.sales.batches} batches, maxId ${maxId}, maxCreatedAt ${
        data.sales.maxCreatedAt ?? "none"
      }; customers: ${data.customers.records} records`;
    },
  },
  {
    name: "GET /api/analytics/trends",
    async run(api) {
      const { data, error, response } = await api.GET("/api/analytics/trends", {
        params: { query: { from: DAY, to: DAY } },
        ...options(),
      });
      if (error !== undefined) {
        throw unexpected(response, error);
      }
      const point = data.points.find((p) => p.period === DAY);
      check(point !== undefined, `expected a point for ${DAY}, got periods [${data.points.map((p) => p.period).join(", ")}]`);
      check(
        point.revenue === EXPECTED_DAY_REVENUE,
        `expected revenue ${EXPECTED_DAY_REVENUE} on ${DAY}, got ${point.revenue}` +
          (point.revenue === EXPECTED_DAY_REVENUE + 10 ? " (the rejected batch's sale 1003 was written)" : ""),
      );
      return `${DAY}: revenue ${point.revenue}, ${point.salesCount} sales, ${point.units} units, ${point.refundCount} refunds (${data.timeZone})`;
    },
  },
  {
    name: "POST /api/analytics/refresh",
    async run(api) {
      const { data, error, response } = await api.POST("/api/analytics/refresh", options());
      if (error !== undefined) {
        throw unexpected(response, error);
      }
      check(data.customers >= 1, `expected at least 1 customer scored, got ${data.customers}`);
      return `as of ${data.asOf}: ${data.customers} customers, ${data.products} products, ${data.pairs} pairs`;
    },
  },
  {
    name: "GET /api/customers/1/insights (checkout)",
    async run(api) {
      const { data, error, response } = await api.GET("/api/customers/{id}/insights", {
        params: { path: { id: 1 } },
        ...options(),
      });
      if (error !== undefined) {
        throw unexpected(response, error);
      }
      // The seed's POS reads exactly these two fields.
      const last = data.lastPurchase;
      check(last !== undefined, "expected a lastPurchase");
      check(data.preferredProducts.length > 0, "expected preferredProducts");
      check(data.visitCount === 2, `expected 2 visits, got ${data.visitCount}`);
      return `segment ${data.segment}, ${data.visitCount} visits, last purchase ${last.date} (${last.amount}), prefers ${data.preferredProducts
        .map((p) => p.name)
        .join(", ")}; churn risk ${data.churnRisk?.level ?? "n/a"}`;
    },
  },
  {
    name: "POST /api/calendar/events (the seed's Diwali)",
    async run(api) {
      const { data, error, response } = await api.POST("/api/calendar/events", {
        body: {
          event_type: "festival",
          name: "Diwali Festival",
          date: "2025-11-12",
          impact_level: "high",
          expected_demand_multiplier: 1.8,
          notes: "Major shopping festival",
        },
        ...options(),
      });
      if (error !== undefined) {
        throw unexpected(response, error);
      }
      check(response.status === 201, `expected 201 Created, got ${response.status}`);
      check(data.purposeTag === "diwali-festival", `expected purpose tag diwali-festival, got ${data.purposeTag}`);
      return `event ${data.id}: ${data.name} on ${data.date}, ${data.impactLevel} impact, x${data.expectedDemandMultiplier}`;
    },
  },
  {
    name: "GET /api/calendar/events?from=2025-11-01&days=30",
    async run(api) {
      const { data, error, response } = await api.GET("/api/calendar/events", {
        params: { query: { from: "2025-11-01", days: 30 } },
        ...options(),
      });
      if (error !== undefined) {
        throw unexpected(response, error);
      }
      check(data.events.length === 1, `expected 1 event, got ${data.events.length}`);
      return `${data.from}..${data.to}: ${data.events.map((e) => e.name).join(", ")}`;
    },
  },
  {
    name: "POST /api/calendar/import (an iCalendar file, twice)",
    async run(api) {
      const importOnce = () =>
        api.POST("/api/calendar/import", {
          params: { query: { from: "2025-01-01", to: "2026-12-31", event_type: "holiday", impact_level: "low" } },
          body: HOLIDAYS_ICS,
          bodySerializer: (body: string) => body,
          headers: { "Content-Type": "text/calendar" },
          ...options(),
        });
      const first = await importOnce();
      if (first.error !== undefined) {
        throw unexpected(first.response, first.error);
      }
      check(first.data.created === 2, `expected 2 occurrences created (2025, 2026), got ${JSON.stringify(first.data)}`);
      const again = await importOnce();
      if (again.error !== undefined) {
        throw unexpected(again.response, again.error);
      }
      check(again.data.created === 0 && again.data.unchanged === 2, `expected nothing new, got ${JSON.stringify(again.data)}`);
      return `created ${first.data.created}, then unchanged ${again.data.unchanged} (idempotent)`;
    },
  },
  {
    name: "GET /api/calendar/events.ics",
    async run(api) {
      const { data, error, response } = await api.GET("/api/calendar/events.ics", { parseAs: "text", ...options() });
      if (error !== undefined) {
        throw unexpected(response, error);
      }
      check(response.headers.get("content-type")?.startsWith("text/calendar") === true, "expected text/calendar");
      const events = data.split("BEGIN:VEVENT").length - 1;
      check(events === 3, `expected 3 events (Diwali and two New Year's Days), got ${events}`);
      check(data.includes("X-CRM-DEMAND-MULTIPLIER:1.8"), "expected Diwali's multiplier in an X-CRM property");
      // The round trip: importing our own export finds every event already there.
      const back = await api.POST("/api/calendar/import", {
        params: { query: { from: "2025-01-01", to: "2026-12-31" } },
        body: data,
        bodySerializer: (body: string) => body,
        headers: { "Content-Type": "text/calendar" },
        ...options(),
      });
      if (back.error !== undefined) {
        throw unexpected(back.response, back.error);
      }
      check(back.data.created === 0 && back.data.updated === 0, `expected the export to re-import as nothing new, got ${JSON.stringify(back.data)}`);
      return `${events} events, ${data.length} bytes; re-imported: ${back.data.unchanged} unchanged, ${back.data.skipped} already ours, nothing new`;
    },
  },
  {
    name: "POST /api/sync/products (stock, pack size, minimum order)",
    async run(api) {
      const { data, error, response } = await api.POST("/api/sync/products", { body: PRODUCTS, ...options() });
      if (error !== undefined) {
        throw unexpected(response, error);
      }
      // The sale line created 85123A as a placeholder: the catalogue fills it in.
      check(data.received === 2 && data.created === 2, `expected 2 created, got ${counts(data)}`);
      return counts(data);
    },
  },
  {
    name: "GET /api/analytics/reorder (JSON, then CSV)",
    async run(api) {
      const { data, error, response } = await api.GET("/api/analytics/reorder", options());
      if (error !== undefined) {
        throw unexpected(response, error);
      }
      // The operation answers JSON or CSV; without an Accept header, JSON.
      check(typeof data !== "string", `expected JSON, got ${response.headers.get("content-type")}`);
      // 85123A's only sale is older than the 180-day history window: no demand to plan for.
      // 85124B is discontinued: never ordered. Both are listed rather than dropped.
      check(data.summary.products === 2, `expected 2 products, got ${JSON.stringify(data.summary)}`);
      const statuses = data.items.map((i) => `${i.productId}:${i.status}`).sort().join(" ");
      check(statuses === "85123A:no_sales_history 85124B:discontinued", `unexpected statuses: ${statuses}`);
      const csv = await api.GET("/api/analytics/reorder", { parseAs: "text", headers: { Accept: "text/csv" }, ...options() });
      if (csv.error !== undefined) {
        throw unexpected(csv.response, csv.error);
      }
      const [header, ...rows] = csv.data.trimEnd().split("\n");
      check(header?.startsWith("product_id,name,category,status,") === true, `unexpected CSV header: ${header}`);
      check(rows.length === 2, `expected 2 CSV rows, got ${rows.length}`);
      return `${data.summary.products} products (order now: ${data.summary.orderNow}), service level ${data.policy.serviceLevelPercent}%; CSV ${rows.length} rows`;
    },
  },
  {
    name: "GET /api/analytics/dashboard",
    async run(api) {
      const { data, error, response } = await api.GET("/api/analytics/dashboard", {
        params: { query: { days: 30 } },
        ...options(),
      });
      if (error !== undefined) {
        throw unexpected(response, error);
      }
      check(data.salesTrend.length === 30, `expected 30 daily points, got ${data.salesTrend.length}`);
      check(data.customerStats.total === 1, `expected 1 customer, got ${data.customerStats.total}`);
      check(data.reorder.orderNow === 0, `expected nothing to order, got ${JSON.stringify(data.reorder)}`);
      return `${data.customerStats.total} customers, trend ${ARROWS[data.trend.direction]} ${data.trend.direction}, ${data.topProducts.length} top products, ${data.reorder.orderNow} to reorder`;
    },
  },
  {
    name: `GET /api/analytics/dashboard?from=${DAY}&to=${DAY} (a past window)`,
    async run(api) {
      const { data, error, response } = await api.GET("/api/analytics/dashboard", {
        params: { query: { from: DAY, to: DAY } },
        ...options(),
      });
      if (error !== undefined) {
        throw unexpected(response, error);
      }
      check(data.from === DAY && data.asOf === DAY && data.days === 1, `expected the window ${DAY}..${DAY}, got ${data.from}..${data.asOf}`);
      check(data.trend.revenue === EXPECTED_DAY_REVENUE, `expected revenue ${EXPECTED_DAY_REVENUE}, got ${data.trend.revenue}`);
      check(/^[A-Z]{3}$/.test(data.currency), `expected an ISO 4217 currency, got "${data.currency}"`);
      return `${data.from}: revenue ${new Intl.NumberFormat("en", { style: "currency", currency: data.currency }).format(data.trend.revenue)}, ${data.customerStats.activeInWindow} active customer`;
    },
  },
  {
    name: "GET /api/analytics/products?from=2025-09-01&to=2025-09-30&sort=revenue",
    async run(api) {
      const { data, error, response } = await api.GET("/api/analytics/products", {
        params: { query: { from: "2025-09-01", to: "2025-09-30", sort: "revenue" } },
        ...options(),
      });
      if (error !== undefined) {
        throw unexpected(response, error);
      }
      const best = data.products[0];
      check(best !== undefined && best.productId === "85123A", `expected 85123A first, got ${JSON.stringify(best)}`);
      check(best.units === 2 && best.revenue === 25.5, `expected 2 units for 25.50, got ${best.units} for ${best.revenue}`);
      return `best seller of September 2025: ${best.name} (${best.units} units, ${best.revenue})`;
    },
  },
  {
    name: "GET /api/analytics/forecast?product_id=85123A&as_of=2025-09-28&days=7",
    async run(api) {
      const { data, error, response } = await api.GET("/api/analytics/forecast", {
        params: { query: { product_id: "85123A", as_of: "2025-09-28", days: 7 } },
        ...options(),
      });
      if (error !== undefined) {
        throw unexpected(response, error);
      }
      // One day of history (2 units on 2025-09-27): too little for a regression, so the
      // intermittent-demand method, which forecasts 2 a day from it.
      check(data.method === "intermittent", `expected method "intermittent", got "${data.method}"`);
      check(data.forecast.length === 7, `expected 7 days, got ${data.forecast.length}`);
      const first = data.forecast[0]?.units;
      check(first !== undefined && first.forecast === 2, `expected 2 units on 2025-09-28, got ${JSON.stringify(first)}`);
      return `${data.productId}: ${first.forecast} units a day (80% ${first.lower80}-${first.upper80}), ${data.historyDays} day of history`;
    },
  },
  {
    name: "GET /api/analytics/forecast?days=0 (refused)",
    async run(api) {
      const { error, response } = await api.GET("/api/analytics/forecast", {
        params: { query: { days: 0 } },
        ...options(),
      });
      check(error !== undefined && response.status === 400, `expected HTTP 400, got HTTP ${response.status}`);
      check(error.detail?.startsWith("days ") === true, `expected the detail to name days, got "${error.detail}"`);
      return `HTTP 400 ${error.code}: ${error.detail}`;
    },
  },
  {
    name: "GET /api/export/sales?from=2025-09-27&to=2025-09-27 (CSV)",
    async run(api) {
      const { data, error, response } = await api.GET("/api/export/sales", {
        params: { query: { from: DAY, to: DAY } },
        parseAs: "text",
        ...options(),
      });
      if (error !== undefined) {
        throw unexpected(response, error);
      }
      const [header, ...rows] = data.trimEnd().split("\n");
      check(header?.startsWith("id,customer_id,total_amount,created_at,") === true, `unexpected CSV header: ${header}`);
      // One row per line: 1001 has none (one row), 1002 one; times in UTC.
      const expected = [
        "1001,1,150.00,2025-09-27T10:30:00Z,completed,,,,,,,",
        "1002,1,25.50,2025-09-27T12:35:00Z,completed,,card,85123A,T-light holder,Home,2,12.7500",
      ];
      check(JSON.stringify(rows) === JSON.stringify(expected), `unexpected rows: ${JSON.stringify(rows)}`);
      return `${rows.length} rows (${response.headers.get("content-type")})`;
    },
  },
  {
    name: "GET /api/customers/1/export (access request)",
    async run(api) {
      const { data, error, response } = await api.GET("/api/customers/{id}/export", {
        params: { path: { id: 1 } },
        ...options(),
      });
      if (error !== undefined) {
        throw unexpected(response, error);
      }
      check(data.customer.email === "john@example.com", `expected the synced e-mail, got ${String(data.customer.email)}`);
      const sales = data.sales.map((s) => `${s.id}:${s.items.length}`).join(" ");
      check(sales === "1001:0 1002:1", `expected sales 1001 (no lines) and 1002 (one line), got ${sales}`);
      return `${data.customer.name ?? "(no name)"}: ${data.sales.length} sales, segment ${data.insights.segment}`;
    },
  },
  {
    name: "GET /api/analytics/forecast/accuracy",
    async run(api) {
      const { data, error, response } = await api.GET("/api/analytics/forecast/accuracy", options());
      if (error !== undefined) {
        throw unexpected(response, error);
      }
      const revenue = data.revenue;
      check(revenue !== undefined, "expected a revenue backtest (the history reaches back to 2025-09-27)");
      check(revenue.origins.length === 4 && revenue.horizon === 28, `expected 4 origins of 28 days, got ${JSON.stringify(revenue)}`);
      return `revenue: ${revenue.days} days scored from ${revenue.origins.join(", ")}; MASE ${revenue.mase ?? "n/a"} (seasonal naive ${revenue.naiveMase ?? "n/a"})`;
    },
  },
];

function describeThrown(err: unknown): string {
  if (err instanceof CheckFailed) {
    return err.message;
  }
  if (err instanceof Error) {
    if (err.name === "TimeoutError") {
      return `no answer within ${REQUEST_TIMEOUT_MS} ms`;
    }
    // Node's fetch reports "fetch failed" and keeps the reason (ECONNREFUSED, ...) in `cause`.
    const cause = err.cause instanceof Error ? ` (${err.cause.message})` : "";
    return `${err.name}: ${err.message}${cause}`;
  }
  return String(err);
}

async function main(argv: readonly string[]): Promise<number> {
  const baseUrl = argv[0];
  if (baseUrl === undefined || baseUrl === "" || baseUrl === "-h" || baseUrl === "--help") {
    console.error("usage: node dist/pos-flow.js BASE_URL [API_KEY]   (e.g. http://127.0.0.1:3001; the key may also come from CRM_API_KEY)");
    return 2;
  }
  if (!URL.canParse(baseUrl)) {
    console.error(`pos-flow: BASE_URL is not a URL: ${baseUrl}`);
    return 2;
  }
  const apiKey = argv[1] ?? process.env["CRM_API_KEY"];
  const api = createCrmTrendsClient(baseUrl, { apiKey });
  console.log(`pos-flow: ${steps.length} steps against ${baseUrl}${apiKey ? " with an API key" : ""}`);

  if (apiKey) {
    // The server requires keys: a client without one must get a typed 401 problem.
    const anonymous = createCrmTrendsClient(baseUrl);
    const { error, response } = await anonymous.GET("/api/sync/status", options());
    if (response.status !== 401 || error === undefined || error.code !== "unauthorized") {
      console.error(`FAIL without a key: expected HTTP 401 "unauthorized", got HTTP ${response.status}`);
      return 1;
    }
    console.log(`ok   without a key: HTTP 401 ${error.code}: ${error.detail}`);
  }

  for (const [i, step] of steps.entries()) {
    const label = `${i + 1}/${steps.length} ${step.name}`;
    try {
      const summary = await step.run(api);
      console.log(`ok   ${label}: ${summary}`);
    } catch (err) {
      console.error(`FAIL ${label}: ${describeThrown(err)}`);
      console.error(`pos-flow: failed at step ${i + 1} of ${steps.length}`);
      return 1;
    }
  }
  console.log(`pos-flow: all ${steps.length} steps passed`);
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
