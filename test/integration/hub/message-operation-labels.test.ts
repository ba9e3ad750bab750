import { expect } from "chai";
import { messageOperation } from "../../../client/src/features/hub/message-labels.js";
import { createApp } from "../../../server/app.js";
import { createFeatures } from "../../../server/features.js";
import { enumerateApiRoutes } from "../../helpers/routes.js";
import { startTestHub, type TestHub } from "./support.js";

/** A value for each route parameter, shaped as a real request carries it. */
const SAMPLE_PARAMS: Readonly<Record<string, string>> = {
  caseId: "476801be-463d-4df4-b128-cde0133a2f00",
  sha256: "a".repeat(64),
  provinceCode: "320000",
  name: "collection",
  month: "2026-06",
};

/**
 * The hub operator reads the message log by operation name: every route of the inter-node
 * interfaces (read from the hub's live router, so a new one cannot be missed) has a name, and none
 * reads 其他请求.
 */
describe("hub message log: every interface route is named", () => {
  let hub: TestHub;
  before(async () => {
    hub = await startTestHub();
  });
  after(() => hub.node.stop());

  it("when the hub's interface routes are enumerated, then the message log names each one", () => {
    const { config, logger, conn } = hub.node.ctx;
    const app = createApp({ config, logger, conn, features: createFeatures(hub.node.ctx) });
    const routes = enumerateApiRoutes(app).filter((r) => / \/hub\/v1\//.test(r));
    expect(routes.length, "the interface routes were found").to.be.greaterThan(15);
    const unnamed = routes.filter((r) => {
      const [method, path] = r.split(" ") as [string, string];
      const target = `/api${path.replace(/:(\w+)/g, (_, p: string) => SAMPLE_PARAMS[p] ?? "x")}`;
      return messageOperation(method, target) === null;
    });
    expect(unnamed).to.deep.equal([]);
  });
});
