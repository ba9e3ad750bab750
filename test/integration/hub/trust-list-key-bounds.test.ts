import { expect } from "chai";
import { generateKeyPair, keyIdOf } from "../../../server/certificates/index.js";
import { CertificateKeysAnnouncement, RegisterNodeBody } from "../../../server/contracts/hub.js";
import { buildTrustList } from "../../../server/hub/trust-list.js";
import type { Logger } from "../../../server/lib/logger.js";
import { generateNodeKey } from "../../../server/sharing/index.js";
import { useTestDatabase } from "../../helpers/database.js";
import { aRegisteredProvince, loadNationalTrustList, startTestHub, type TestHub } from "./support.js";

/** A fresh Ed25519 certificate key as a province announces it. */
function aCertificateKey() {
  const pair = generateKeyPair("ed25519");
  return { kid: keyIdOf("ed25519", pair.publicKey), suite: "ed25519" as const, publicKey: pair.publicKey };
}

/**
 * The national trust list is one signed document every verifier loads whole: a key the trust-list
 * format refuses (kid over 32 characters, public key over 200) made loadTrustList refuse the whole
 * list, so one province could stop certificate verification for every province.
 */
describe("the national trust list and keys its format cannot carry", function () {
  this.timeout(60_000);
  const logDb = useTestDatabase("hub_trust_bounds");
  let hub: TestHub;
  before(async () => {
    hub = await startTestHub();
  });
  after(async () => hub?.node.stop());

  /** The hub's list as an offline verifier loads it, with the hub's pinned key. */
  const nationalList = () => loadNationalTrustList(hub);

  it("when a province announces a key id longer than the trust list allows, then it is refused 400 validation_failed and the list still verifies", async () => {
    const { client } = await aRegisteredProvince(hub, "520000", logDb.conn);
    const longKid = { ...aCertificateKey(), kid: "k".repeat(40) };
    const answer = await client.call("POST", "/api/hub/v1/certificate-keys", { certificateKeys: [longKid] });
    expect(answer.status).to.equal(400);
    expect((answer.body as { error?: { code?: string } }).error?.code).to.equal("validation_failed");
    const loaded = await nationalList();
    expect(loaded.ok, loaded.ok ? "" : loaded.reason).to.equal(true);
  });

  it("when a registration or announcement names a key the trust list cannot carry, then its schema refuses it", () => {
    const tooLongKey = { ...aCertificateKey(), publicKey: "A".repeat(250) };
    const tooLongKid = { ...aCertificateKey(), kid: "k".repeat(33) };
    for (const key of [tooLongKey, tooLongKid]) {
      expect(CertificateKeysAnnouncement.safeParse({ certificateKeys: [key] }).success).to.equal(false);
      expect(
        RegisterNodeBody.safeParse({
          provinceCode: "530000",
          name: "云南",
          nodeKey: generateNodeKey().publicKeyX,
          certificateKeys: [key],
        }).success,
      ).to.equal(false);
    }
  });

  it("when a key the trust list cannot carry is already stored at the hub, then the list leaves it out, keeps the province's good keys and still verifies", async () => {
    await aRegisteredProvince(hub, "540000", logDb.conn);
    const good = aCertificateKey();
    const bad = { ...aCertificateKey(), kid: "x".repeat(60) };
    // As a hub deployed before the announcement was bounded may hold it.
    await hub.node.ctx.conn.collection("hub_nodes").updateOne(
      { provinceCode: "540000" },
      {
        $set: {
          certificateKeys: [
            { ...good, validFrom: new Date().toISOString(), validTo: null },
            { ...bad, validFrom: new Date().toISOString(), validTo: null },
          ],
        },
      },
    );
    const loaded = await nationalList();
    expect(loaded.ok, loaded.ok ? "" : loaded.reason).to.equal(true);
    if (!loaded.ok) return;
    const kids = loaded.list.body.keys.filter((k) => k.provinceCode === "540000").map((k) => k.kid);
    expect(kids).to.deep.equal([good.kid]);
  });

  it("when the list leaves a stored key out, then it logs a warning naming the province and the key id", async () => {
    const warned: unknown[][] = [];
    const logger = { warn: (...args: unknown[]) => warned.push(args) } as unknown as Logger;
    const registry = {
      certificateKeys: () =>
        Promise.resolve([
          {
            provinceCode: "550000",
            keys: [
              {
                ...aCertificateKey(),
                publicKey: "B".repeat(300),
                validFrom: new Date().toISOString(),
                validTo: null,
              },
            ],
          },
        ]),
    } as unknown as Parameters<typeof buildTrustList>[0];
    const list = await buildTrustList(registry, generateNodeKey(), new Date(), logger);
    const body = JSON.parse(Buffer.from(list.document.payload, "base64url").toString("utf8")) as {
      keys: unknown[];
    };
    expect(body.keys).to.deep.equal([]);
    expect(JSON.stringify(warned)).to.contain("550000").and.to.contain(`"kid"`);
  });
});
