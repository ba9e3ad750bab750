import { expect } from "chai";
import {
  createMessageLog,
  createNodeClient,
  type NodeClient,
} from "../../../server/sharing/index.js";
import { useTestDatabase } from "../../helpers/database.js";
import { useHubWithJiangsu } from "./support.js";

/**
 * A signed request for a path or method the hub has not got passed the gate (signature checked,
 * nonce reserved) and matched no route: app.ts answered it unsigned, logged nothing and left the
 * nonce `processing`. The province then read the hub's signature as invalid, and its "older hub"
 * branch (a verified 404 route_not_found) could never be taken.
 */
describe("hub: a signed request to a route the hub does not have", () => {
  const provinceDb = useTestDatabase("prov_unknown_route");
  const suite = useHubWithJiangsu(provinceDb);
  /** The last request the recording client sent, exactly as sent (to replay it byte for byte). */
  let sent: { url: string; init: RequestInit } | null = null;
  let recording: NodeClient;

  before(() => {
    recording = createNodeClient({
      key: suite.jiangsu.key,
      peer: suite.hub.peer,
      log: createMessageLog(provinceDb.conn),
      fetchImpl: (url, init) => {
        // The node client passes its URL as a string.
        sent = { url: url as string, init: init ?? {} };
        return fetch(url, init);
      },
    });
  });

  const hubLog = () => createMessageLog(suite.hub.node.ctx.conn);
  const nonces = () => suite.hub.node.ctx.conn.collection("node_nonces");

  for (const [method, path] of [
    // Routers are strict: the trailing slash is another route, which the hub has not got.
    ["POST", "/api/hub/v1/catalog/lookups/"],
    // The route exists for POST only.
    ["GET", "/api/hub/v1/collection/records"],
    ["POST", "/api/hub/v1/no-such-interface"],
  ] as const) {
    it(`when a province sends ${method} ${path} signed, then the hub answers a signed 404 route_not_found that the province verifies, logs it, and completes the nonce`, async () => {
      const answer = await recording.call(method, path, method === "POST" ? { name: "张三" } : undefined);
      expect(answer.status).to.equal(404);
      expect(answer.error?.code).to.equal("route_not_found");
      expect(answer.error?.message).to.match(/[\u4e00-\u9fff]/).and.include(path.split("?")[0]);
      expect(answer.proof.signature, "the answer is signed").to.not.equal("");

      const [entry] = await hubLog().list({ limit: 1 });
      expect(entry).to.include({ peer: "320000", outcome: "refused", code: "route_not_found", status: 404, method });
      expect(entry?.target).to.equal(path);

      const nonce = await nonces().findOne({ keyId: suite.jiangsu.key.keyId, nonce: entry?.nonce });
      expect({ state: nonce?.state, status: nonce?.status }, "the nonce keeps the answer").to.deep.equal({ state: "done", status: 404 });

      // The same request again: the stored answer, byte for byte, not replay_in_progress.
      if (!sent) throw new Error("nothing was sent");
      const again = await fetch(sent.url, sent.init);
      expect(again.status).to.equal(404);
      expect(await again.text()).to.equal(answer.rawBody);
      expect(again.headers.get("signature")).to.equal(answer.proof.signature);
      const [replayed] = await hubLog().list({ limit: 1 });
      expect(replayed).to.include({ peer: "320000", outcome: "replayed" });
    });
  }

  it("when an unknown exchange path is sent signed, then it too is a signed 404 route_not_found, not a 409 kept as the nonce's answer", async () => {
    const answer = await recording.call("POST", "/api/hub/v1/exchange/cases/", { name: "张三" });
    expect({ status: answer.status, code: answer.error?.code }).to.deep.equal({ status: 404, code: "route_not_found" });
    const [entry] = await hubLog().list({ limit: 1 });
    expect(entry).to.include({ peer: "320000", outcome: "refused", code: "route_not_found" });
  });
});
