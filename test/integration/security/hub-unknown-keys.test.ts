import { expect } from "chai";
import type TestAgent from "supertest/lib/agent.js";
import { createApp } from "../../../server/app.js";
import { createFeatures } from "../../../server/features.js";
import type { NodeClient } from "../../../server/sharing/index.js";
import { anonymousAgent, staffAgent } from "../../helpers/auth.js";
import { useTestDatabase } from "../../helpers/database.js";
import { enumerateApiRoutes } from "../../helpers/routes.js";
import { expectUnknownKeyRefused, UNKNOWN_KEY, withUnknownParam } from "../../helpers/unknown-key.js";
import { aRegisteredProvince, startTestHub, type TestHub } from "../hub/support.js";

const SHA = "a".repeat(64);

/** How a hub route is reached: the public, the hub operator, or a registered province's signed client. */
type Caller = "public" | "operator" | "province";

/**
 * One request per GET route of the hub (every one: the test fails for a route missing here), valid
 * apart from the unknown query parameter that is added to it.
 */
const GETS: Record<string, { caller: Caller; url: string }> = {
  "/hub/v1/identity": { caller: "public", url: "/api/hub/v1/identity" },
  "/hub/v1/openapi/:name.json": { caller: "public", url: "/api/hub/v1/openapi/collection.json" },
  "/hub/v1/trust-list": { caller: "public", url: "/api/hub/v1/trust-list" },
  "/hub/v1/status-lists": { caller: "public", url: "/api/hub/v1/status-lists" },
  "/hub/v1/status-lists/:provinceCode": { caller: "public", url: "/api/hub/v1/status-lists/320000" },
  "/hub/v1/docs": { caller: "public", url: "/api/hub/v1/docs" },
  "/hub/v1/reports": { caller: "public", url: "/api/hub/v1/reports" },
  "/hub/v1/reports/:month": { caller: "public", url: "/api/hub/v1/reports/2020-06" },
  "/hub/v1/catalog/changes": { caller: "province", url: "/api/hub/v1/catalog/changes?after=0" },
  "/hub/v1/catalog/lookup-notices": { caller: "province", url: "/api/hub/v1/catalog/lookup-notices?after=0" },
  "/hub/v1/exchange/inbox": { caller: "province", url: "/api/hub/v1/exchange/inbox?after=0" },
  "/hub/v1/exchange/cases/:caseId/documents/:sha256": {
    caller: "province",
    url: `/api/hub/v1/exchange/cases/c-1/documents/${SHA}`,
  },
  "/hub/v1/exchange/cases/:caseId/source-record": {
    caller: "province",
    url: "/api/hub/v1/exchange/cases/c-1/source-record",
  },
  "/hub/nodes": { caller: "operator", url: "/api/hub/nodes" },
  "/hub/messages": { caller: "operator", url: "/api/hub/messages" },
  "/hub/messages/verify": { caller: "operator", url: "/api/hub/messages/verify" },
  "/hub/rejections": { caller: "operator", url: "/api/hub/rejections" },
  "/hub/lookups": { caller: "operator", url: "/api/hub/lookups" },
  "/hub/home-contests": { caller: "operator", url: "/api/hub/home-contests" },
  "/hub/exchange/cases": { caller: "operator", url: "/api/hub/exchange/cases" },
  "/hub/report/months/:month": { caller: "operator", url: "/api/hub/report/months/2020-06" },
  "/hub/report/months/:month/report.csv": {
    caller: "operator",
    url: "/api/hub/report/months/2020-06/report.csv",
  },
  "/hub/report/published": { caller: "operator", url: "/api/hub/report/published" },
  "/hub/report/dashboard": { caller: "operator", url: "/api/hub/report/dashboard" },
};

/**
 * The hub's side of "every route refuses an unknown key" (the province node's is
 * unknown-keys.test.ts): its operator pages, its public downloads and the signed interfaces other
 * provinces' software calls. A peer that sent `?province=…` to a route without that filter got the
 * unfiltered answer and could not tell.
 */
describe("Unknown keys in requests to the hub: refused on every route", function () {
  this.timeout(120_000);
  const provinceDb = useTestDatabase("hub_unknown_keys");
  let hub: TestHub;
  let operator: TestAgent;
  let anonymous: TestAgent;
  let province: NodeClient;

  before(async () => {
    hub = await startTestHub();
    operator = (await staffAgent(hub.node, { roles: ["hub_operator"] })).agent;
    anonymous = (await anonymousAgent(hub.node)).agent;
    province = (await aRegisteredProvince(hub, "320000", provinceDb.conn)).client;
  });
  after(async () => hub?.node.stop());

  async function get(caller: Caller, url: string): Promise<{ status: number; body: unknown }> {
    if (caller === "province") return province.call("GET", url);
    const res = await (caller === "operator" ? operator : anonymous).get(url);
    return { status: res.status, body: res.body as unknown };
  }

  it("when the hub's router is enumerated, then every GET route has a request here", () => {
    const { config, logger, conn } = hub.node.ctx;
    const app = createApp({ config, logger, conn, features: createFeatures(hub.node.ctx) });
    const gets = enumerateApiRoutes(app)
      .filter((r) => r.startsWith("GET /hub/"))
      .map((r) => r.slice(4));
    expect(
      gets.filter((r) => !(r in GETS)),
      "hub GET routes without a request here",
    ).to.deep.equal([]);
    expect(
      Object.keys(GETS).filter((r) => !gets.includes(r)),
      "requests for routes that do not exist",
    ).to.deep.equal([]);
  });

  for (const [route, { caller, url }] of Object.entries(GETS)) {
    it(`when GET ${route} carries a query parameter it does not name, then it is refused with validation_failed`, async () => {
      expectUnknownKeyRefused(await get(caller, withUnknownParam(url)));
    });
  }

  it("when a write to the hub carries a query parameter or a body key it does not name, then both are refused", async () => {
    const publish = "/api/hub/report/months/2020-07/publish";
    expectUnknownKeyRefused(await operator.post(withUnknownParam(publish)).send({}), "query");
    expectUnknownKeyRefused(await operator.post(publish).send({ [UNKNOWN_KEY]: 1 }), "body");
    // Signed: refused after the sender is authenticated, so the refusal is signed (call verifies it).
    const lookups = withUnknownParam("/api/hub/v1/catalog/lookups");
    expectUnknownKeyRefused(await province.call("POST", lookups, {}), "signed");
    // Nothing of the refused publication was made: the month is still unpublished.
    const published = await operator.get("/api/hub/report/published");
    expect(JSON.stringify(published.body)).not.to.include("2020-07");
  });

  it("when a page's number is not plain decimal digits (hex, exponent, empty, padded), then it is refused rather than read as another number", async () => {
    for (const after of ["0x10", "1e2", "", "%205", "-1", "1.5"]) {
      const signed = await province.call("GET", `/api/hub/v1/catalog/changes?after=${after}`);
      expect(signed.status, `after=${after}`).to.equal(400);
      expect((signed.body as { error: { code: string } }).error.code).to.equal("validation_failed");
      const page = await operator.get(`/api/hub/messages?limit=${after}`);
      expect(page.status, `limit=${after}`).to.equal(400);
      expect((page.body as { error: { message: string } }).error.message).to.match(/^每页条数：/);
    }
    expect((await province.call("GET", "/api/hub/v1/catalog/changes?after=0016")).status).to.equal(200);
    expect((await operator.get("/api/hub/messages?limit=16")).status).to.equal(200);
  });
});
