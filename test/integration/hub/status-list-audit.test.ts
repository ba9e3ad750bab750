import { expect } from "chai";
import {
  buildStatusList,
  createSigner,
  emptyStatusBits,
  generateKeyPair,
} from "../../../server/certificates/index.js";
import { createRegistryService } from "../../../server/hub/index.js";
import { createStatusListService } from "../../../server/hub/status-lists.js";
import { generateNodeKey } from "../../../server/sharing/index.js";
import { useTestDatabase } from "../../helpers/database.js";

/**
 * A province's status list decides, for every verifier, whether its certificates are in force: the
 * hub replacing it is a change to what the network believes, audited in the transaction that makes
 * it, as the registry's changes are. A stale list changes nothing and leaves no entry.
 */
describe("hub status lists: each list the hub keeps is audited", () => {
  const db = useTestDatabase("hub_status_audit");
  const pair = generateKeyPair("ed25519");
  const key = { kid: "zj-cert-1", signer: createSigner(pair) };
  let service: ReturnType<typeof createStatusListService>;

  before(async () => {
    await createRegistryService(db.conn).register({
      provinceCode: "330000",
      name: "浙江",
      nodeKey: generateNodeKey().publicKeyX,
      certificateKeys: [{ kid: key.kid, suite: "ed25519", publicKey: pair.publicKey }],
    });
    service = createStatusListService(db.conn, { timeZone: "Asia/Shanghai" });
  });

  const aList = (minutesAgo: number) =>
    buildStatusList(
      {
        provinceCode: "330000",
        bits: emptyStatusBits(),
        now: new Date(Date.now() - minutesAgo * 60_000),
        validForSeconds: 3600,
      },
      key,
    );
  const entries = () =>
    db.conn
      .collection("audit_log")
      .find({ action: "hub.status_list_replaced", "target.id": "330000" })
      .sort({ seq: 1 })
      .toArray();

  it("when a province's first list and then a newer one are kept, then each has an entry naming the province and the list's date; a stale one has none", async () => {
    const first = aList(30);
    const newer = aList(20);
    expect((await service.publish(first, "330000")).outcome).to.equal("accepted");
    expect((await service.publish(newer, "330000")).outcome).to.equal("accepted");
    expect((await service.publish(aList(40), "330000")).outcome).to.equal("stale");
    const rows = await entries();
    expect(rows).to.have.length(2);
    expect(rows[1]?.actor).to.include({ id: "node:330000", kind: "system" });
    expect(rows[1]?.target).to.deep.equal({ type: "hub_status_list", id: "330000" });
    const generatedAt = (doc: { payload: string }) =>
      (JSON.parse(Buffer.from(doc.payload, "base64url").toString("utf8")) as { generatedAt: string })
        .generatedAt;
    expect(rows[1]?.details).to.deep.include({ listGeneratedAt: generatedAt(newer) });
  });
});
