import { gzipSync } from "node:zlib";
import { expect } from "chai";
import { createMessageLog, signRequest } from "../../../server/sharing/index.js";
import { useTestDatabase } from "../../helpers/database.js";
import { aPassRecord, useHubWithJiangsu } from "./support.js";

/**
 * Content-Digest is checked over the exact body bytes (RFC 9530; the OpenAPI description says so).
 * The JSON parser used to inflate a compressed body first, so the digest was checked over bytes
 * that were never sent. A compressed body is refused before the gate instead, as documented.
 */
describe("hub: a compressed request body", () => {
  const provinceDb = useTestDatabase("prov_gzip");
  const suite = useHubWithJiangsu(provinceDb);

  const url = () => `${suite.hub.node.url}/api/hub/v1/collection/records`;

  for (const [what, digestOver] of [
    ["the JSON it inflates to", "inflated"],
    ["the compressed bytes sent", "sent"],
  ] as const) {
    it(`when a signed batch is sent gzip-encoded with its Content-Digest over ${what}, then the hub refuses it 415 bad_request, unsigned, before the gate`, async () => {
      const text = JSON.stringify({ batchId: `b-gzip-${digestOver}`, records: [aPassRecord()] });
      const gz = gzipSync(Buffer.from(text, "utf8"));
      const { headers } = signRequest(suite.jiangsu.key, {
        method: "POST",
        url: url(),
        // Typed as text, but the digest hashes whatever bytes it is given (contentDigest).
        body: digestOver === "inflated" ? text : (gz as unknown as string),
      });
      const before = (await createMessageLog(suite.hub.node.ctx.conn).list({ limit: 1 }))[0]?.seq ?? 0;
      const res = await fetch(url(), {
        method: "POST",
        headers: { ...headers, "content-type": "application/json", "content-encoding": "gzip" },
        body: gz,
      });
      const answer = (await res.json()) as { error?: { code?: string; message?: string } };
      expect({ status: res.status, code: answer.error?.code }).to.deep.equal({ status: 415, code: "bad_request" });
      expect(answer.error?.message).to.match(/[\u4e00-\u9fff]/);
      expect(res.headers.get("signature"), "refused before the gate: not signed").to.equal(null);
      const after = (await createMessageLog(suite.hub.node.ctx.conn).list({ limit: 1 }))[0]?.seq ?? 0;
      expect(after, "not in the hub's message log").to.equal(before);
      expect(await suite.hub.node.ctx.conn.collection("hub_changes").countDocuments()).to.equal(0);
    });
  }
});
