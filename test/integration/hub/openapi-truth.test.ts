import { expect } from "chai";
import { HubIdentity } from "../../../server/contracts/hub.js";
import { OPENAPI_DOCUMENTS } from "../../../server/hub/index.js";
import { generateNodeKey, signRequest, type NodeKey } from "../../../server/sharing/index.js";
import { aRegisteredProvince, startTestHub, type TestHub } from "./support.js";

/**
 * What the hub's documents say about answers outside the signed interface, against what the hub
 * does: the body parser's refusals (before the node gate, unsigned) at the documented limit, and the
 * public identity route.
 */

type Doc = {
  info: { description: string };
  paths: Record<string, Record<string, { responses: Record<string, { description: string }> }>>;
};
const COLLECT = "/api/hub/v1/collection/records";
/** The body limit the collection document states. */
const LIMIT = 2 * 1024 * 1024;

describe("hub documents against the answers the hub gives before its node gate", () => {
  let hub: TestHub;
  let key: NodeKey;
  before(async () => {
    hub = await startTestHub();
    ({ key } = await aRegisteredProvince(hub, "430000", hub.node.ctx.conn));
  });
  after(async () => {
    await hub.node.stop();
  });

  /** A POST signed by the registered province over exactly `body`. */
  async function post(body: string, signer: NodeKey = key) {
    const url = `${hub.node.url}${COLLECT}`;
    const { headers } = signRequest(signer, { method: "POST", url, body });
    const res = await fetch(url, {
      method: "POST",
      headers: { ...headers, "content-type": "application/json" },
      body,
    });
    return {
      status: res.status,
      signature: res.headers.get("signature"),
      body: (await res.json()) as { error?: { code?: string } },
    };
  }

  it("when a signed request's body is not JSON, then it is refused 400 invalid_json unsigned, as the document says", async () => {
    const res = await post('{"batchId": ');
    expect([res.status, res.body.error?.code, res.signature]).to.deep.equal([400, "invalid_json", null]);
    const doc = OPENAPI_DOCUMENTS.collection() as unknown as Doc;
    expect(doc.paths["/collection/records"]!.post!.responses["400"]!.description).to.match(
      /invalid_json \(unsigned/,
    );
  });

  it("when a body is larger than the documented limit, then it is refused 413 payload_too_large unsigned; at the limit it reaches the gate", async () => {
    const doc = OPENAPI_DOCUMENTS.collection() as unknown as Doc;
    expect(doc.info.description).to.contain(`${LIMIT.toLocaleString("en")} bytes`);
    expect(doc.paths["/collection/records"]!.post!.responses["413"]!.description).to.match(
      /payload_too_large \(unsigned/,
    );
    const padded = (size: number) => {
      const head = '{"batchId":"x","records":[],"pad":"';
      return `${head}${"a".repeat(size - head.length - 2)}"}`;
    };
    const over = await post(padded(LIMIT + 1));
    expect([over.status, over.body.error?.code, over.signature]).to.deep.equal([
      413,
      "payload_too_large",
      null,
    ]);
    // At the limit the parser lets it through: the gate verifies it and the route refuses the
    // batch, signed. (From an unregistered key the gate's 401 would come unsigned.)
    const at = await post(padded(LIMIT));
    expect([at.status, at.body.error?.code]).to.deep.equal([400, "invalid_batch"]);
    expect(at.signature).to.not.equal(null);
    const unregistered = await post(padded(LIMIT), generateNodeKey());
    expect([unregistered.status, unregistered.signature]).to.deep.equal([401, null]);
  });

  it("when a province reads the hub's identity, then the answer is the documented contract", async () => {
    const res = await fetch(`${hub.node.url}/api/hub/v1/identity`);
    expect(HubIdentity.safeParse(await res.json()).success).to.equal(true);
  });
});
