import { expect } from "chai";
import { generateKeyPair, keyIdOf } from "../../../server/certificates/index.js";
import type { CertificateKeysReceipt } from "../../../server/contracts/hub.js";
import type { NodeClient } from "../../../server/sharing/index.js";
import { useTestDatabase } from "../../helpers/database.js";
import { aRegisteredProvince, startTestHub, type TestHub } from "./support.js";

const DAY_MS = 86_400_000;
const dayOf = (at: number) => new Date(at).toISOString().slice(0, 10);

/** A fresh certificate key as a province announces it, dated by instants or (an older node) by days. */
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
 * certificate verifiable: new keys from its now on, earlier ends (to the instant); it never back-dates, reopens or drops.
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

  it("when a province announces a key the hub does not list, then the hub lists it from when it starts, and one dated before now only from the hub's now", async () => {
    const { client } = await aRegisteredProvince(hub, "340000", logDb.conn);
    const ahead = aCertificateKey(dayOf(Date.now() + 2 * DAY_MS));
    const backDated = aCertificateKey("2020-01-01");
    const sentAt = Date.now();
    const res = await announce(client, [ahead, backDated]);
    expect(res.status).to.equal(200);
    expect(res.body.refused).to.deep.equal([]);
    const listed = await nationalKeys("340000");
    // A day (an older node's form) is kept and answered as the instant it means, its UTC midnight.
    expect(listed.find((k) => k.kid === ahead.kid)).to.include({
      validFrom: `${ahead.validFrom}T00:00:00.000Z`,
      publicKey: ahead.publicKey,
    });
    // Not from the start of today: the hub never vouches for a key before it heard of it.
    const from = Date.parse(listed.find((k) => k.kid === backDated.kid)?.validFrom ?? "");
    expect(from).to.be.within(sentAt, Date.now());
    expect(res.body.listed.map((k) => k.kid)).to.have.members([ahead.kid, backDated.kid]);
  });

  it("when a province announces a listed key ending earlier, then the hub ends it then; announced again without an end or with a later one, it stays ended", async () => {
    const { client } = await aRegisteredProvince(hub, "350000", logDb.conn);
    const key = aCertificateKey(dayOf(Date.now()));
    await announce(client, [key]);
    const endDay = dayOf(Date.now() + 3 * DAY_MS);
    // Answered as the instant the day means, its UTC midnight.
    const end = `${endDay}T00:00:00.000Z`;
    await announce(client, [{ ...key, validTo: endDay }]);
    expect((await nationalKeys("350000")).find((k) => k.kid === key.kid)?.validTo).to.equal(end);
    await announce(client, [key]);
    await announce(client, [{ ...key, validTo: dayOf(Date.now() + 30 * DAY_MS) }]);
    expect((await nationalKeys("350000")).find((k) => k.kid === key.kid)?.validTo).to.equal(end);
  });

  it("when a province ends a listed key at an instant, then the hub keeps that instant, not its day: a later instant leaves it, a day-only end the next day leaves it, an earlier instant ends it then", async () => {
    const { client } = await aRegisteredProvince(hub, "370000", logDb.conn);
    const key = aCertificateKey(new Date(Date.now() - DAY_MS).toISOString());
    await announce(client, [key]);
    const end = new Date(Date.now() + 2 * 3_600_000).toISOString();
    const res = await announce(client, [{ ...key, validTo: end }]);
    expect(res.status).to.equal(200);
    expect(res.body.listed.find((k) => k.kid === key.kid)?.validTo).to.equal(end);
    expect((await nationalKeys("370000")).find((k) => k.kid === key.kid)?.validTo).to.equal(end);
    // Neither is earlier: a day-only end (an older node's) means that day's UTC midnight.
    await announce(client, [{ ...key, validTo: new Date(Date.parse(end) + 60_000).toISOString() }]);
    await announce(client, [{ ...key, validTo: dayOf(Date.parse(end) + DAY_MS) }]);
    expect((await nationalKeys("370000")).find((k) => k.kid === key.kid)?.validTo).to.equal(end);
    const earlier = new Date(Date.now() + 3_600_000).toISOString();
    await announce(client, [{ ...key, validTo: earlier }]);
    expect((await nationalKeys("370000")).find((k) => k.kid === key.kid)?.validTo).to.equal(earlier);
  });

  it("when a province announces a key it has already ended, even earlier today, then the hub does not list it", async () => {
    const { client } = await aRegisteredProvince(hub, "410000", logDb.conn);
    const current = aCertificateKey(dayOf(Date.now()));
    const ended = aCertificateKey(dayOf(Date.now() - DAY_MS), new Date(Date.now() - 60_000).toISOString());
    const res = await announce(client, [current, ended]);
    expect(res.status).to.equal(200);
    expect(res.body.listed.map((k) => k.kid)).to.deep.equal([current.kid]);
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
