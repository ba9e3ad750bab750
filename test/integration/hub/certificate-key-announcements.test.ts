import { expect } from "chai";
import { generateKeyPair, keyIdOf } from "../../../server/certificates/index.js";
import type { CertificateKeysReceipt } from "../../../server/contracts/hub.js";
import type { NodeClient } from "../../../server/sharing/index.js";
import { useTestDatabase } from "../../helpers/database.js";
import { aRegisteredProvince, startTestHub, type TestHub } from "./support.js";

const DAY_MS = 86_400_000;
const dayOf = (at: number) => new Date(at).toISOString().slice(0, 10);

/** A fresh certificate key as a province announces it, dated by days. */
function aCertificateKey(validFrom: string, validTo?: string) {
  const pair = generateKeyPair("ed25519");
  return {
    kid: keyIdOf("ed25519", pair.publicKey),
    suite: "ed25519" as const,
    publicKey: pair.publicKey,
    validFrom,
    ...(validTo ? { validTo } : {}),
  };
}

/**
 * A province announces its own certificate keys to the hub (signed with its node key), so a key it
 * rotates to is on the national list before it signs. The hub takes only what keeps every
 * certificate verifiable: new keys from today on, earlier ends; it never back-dates, reopens or drops.
 */
describe("certificate keys announced by their province", function () {
  this.timeout(60_000);
  const logDb = useTestDatabase("hub_key_announce");
  let hub: TestHub;
  before(async () => {
    hub = await startTestHub();
  });
  after(async () => hub?.node.stop());

  async function announce(
    client: NodeClient,
    certificateKeys: ReturnType<typeof aCertificateKey>[],
  ): Promise<{ status: number; body: CertificateKeysReceipt }> {
    const answer = await client.call("POST", "/api/hub/v1/certificate-keys", { certificateKeys });
    return { status: answer.status, body: answer.body as CertificateKeysReceipt };
  }

  const nationalKeys = async (provinceCode: string) =>
    (await hub.registry.certificateKeys()).find((p) => p.provinceCode === provinceCode)?.keys ?? [];

  it("when a province announces a key the hub does not list, then the hub lists it from the day it starts, and one dated before today only from today", async () => {
    const { client } = await aRegisteredProvince(hub, "340000", logDb.conn);
    const today = dayOf(Date.now());
    const ahead = aCertificateKey(dayOf(Date.now() + 2 * DAY_MS));
    const backDated = aCertificateKey("2020-01-01");
    const res = await announce(client, [ahead, backDated]);
    expect(res.status).to.equal(200);
    expect(res.body.refused).to.deep.equal([]);
    const listed = await nationalKeys("340000");
    expect(listed.find((k) => k.kid === ahead.kid)).to.include({
      validFrom: ahead.validFrom,
      publicKey: ahead.publicKey,
    });
    expect(listed.find((k) => k.kid === backDated.kid)?.validFrom).to.equal(today);
    expect(res.body.listed.map((k) => k.kid)).to.have.members([ahead.kid, backDated.kid]);
  });

  it("when a province announces a listed key ending earlier, then the hub ends it then; announced again without an end or with a later one, it stays ended", async () => {
    const { client } = await aRegisteredProvince(hub, "350000", logDb.conn);
    const key = aCertificateKey(dayOf(Date.now()));
    await announce(client, [key]);
    const end = dayOf(Date.now() + 3 * DAY_MS);
    await announce(client, [{ ...key, validTo: end }]);
    expect((await nationalKeys("350000")).find((k) => k.kid === key.kid)?.validTo).to.equal(end);
    await announce(client, [key]);
    await announce(client, [{ ...key, validTo: dayOf(Date.now() + 30 * DAY_MS) }]);
    expect((await nationalKeys("350000")).find((k) => k.kid === key.kid)?.validTo).to.equal(end);
  });

  it("when a province leaves a listed key out, or names its key id with another public key, then the listed key stays as it was and the other is refused kid_in_use", async () => {
    const { client } = await aRegisteredProvince(hub, "360000", logDb.conn);
    const kept = aCertificateKey(dayOf(Date.now()));
    await announce(client, [kept]);
    const impostor = { ...aCertificateKey(dayOf(Date.now())), kid: kept.kid };
    const res = await announce(client, [impostor]);
    expect(res.status).to.equal(200);
    expect(res.body.refused).to.deep.equal([
      { kid: kept.kid, code: "kid_in_use", message: `密钥标识 ${kept.kid} 已登记为另一把公钥` },
    ]);
    const listed = await nationalKeys("360000");
    expect(listed.map((k) => ({ kid: k.kid, publicKey: k.publicKey }))).to.deep.equal([
      { kid: kept.kid, publicKey: kept.publicKey },
    ]);
  });

  it("when the announcement is not signed by a registered node, then it is refused and nothing is listed", async () => {
    const res = await fetch(`${hub.node.url}/api/hub/v1/certificate-keys`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ certificateKeys: [aCertificateKey(dayOf(Date.now()))] }),
    });
    expect(res.status).to.equal(401);
  });
});
