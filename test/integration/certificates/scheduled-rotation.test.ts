import { expect } from "chai";
import { anotherInstance, startCertNode, type TestNode } from "./support.js";

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

interface RegistryRow {
  kid: string;
  purpose: string;
  validFrom: string;
  validTo: string | null;
}

/**
 * A certificate key signs for CERT_KEY_LIFETIME_DAYS; the lead (CERT_KEY_ROTATION_LEAD_HOURS) before
 * that ends, the node rotates it on its own: the new key is made and announced then, and takes over
 * at the old one's end. Every instance of the node runs the check; the database lets one rotate.
 */
describe("the scheduled rotation of a node's certificate key", function () {
  this.timeout(60_000);
  let node: TestNode;
  const lifetimeDays = 365;
  const leadHours = 48;
  // Made so long ago that the lead before its end began an hour ago.
  const madeAt = new Date(Date.now() - lifetimeDays * DAY_MS + (leadHours - 1) * HOUR_MS);

  before(async () => {
    node = await startCertNode(
      { CERT_KEY_LIFETIME_DAYS: String(lifetimeDays), CERT_KEY_ROTATION_LEAD_HOURS: String(leadHours) },
      { keysMadeAt: madeAt },
    );
  });
  after(async () => {
    await node.stop();
  });

  const certificateKeys = () =>
    node.ctx.conn
      .collection<RegistryRow>("certificate_keys")
      .find({ purpose: "certificate" }, { sort: { validFrom: 1 } })
      .toArray();

  it("when the key's lifetime nears its end and two instances run their checks, then one rotation happens, switching at the old key's end after the lead, audited once", async () => {
    const [first] = await certificateKeys();
    if (!first) throw new Error("the node registered no certificate key");
    const startedAt = Date.now();
    const instances = [1, 2].map(() =>
      anotherInstance(node, undefined, undefined, undefined, {
        keyRotationCheckMs: 20,
        lapseCheckMs: 3_600_000,
      }),
    );
    for (const inst of instances) await inst.feature.start?.();
    try {
      let keys = await certificateKeys();
      for (let i = 0; i < 100 && keys.length < 2; i++) {
        await new Promise((r) => setTimeout(r, 50));
        keys = await certificateKeys();
      }
      expect(keys.length, "no instance rotated the key nearing its end").to.be.greaterThan(1);
      // Many more checks on both instances: the key the rotation made is young, nothing happens.
      await new Promise((r) => setTimeout(r, 400));
    } finally {
      for (const inst of instances) await inst.feature.stop?.();
    }

    const keys = await certificateKeys();
    expect(keys.map((k) => k.kid)).to.have.length(2);
    const [old, next] = keys;
    expect(old?.kid).to.equal(first.kid);
    // The new key takes over at the old key's end, and never sooner than the lead from now.
    const end = madeAt.getTime() + lifetimeDays * DAY_MS;
    const switchAt = Date.parse(next?.validFrom ?? "");
    expect(switchAt).to.be.at.least(Math.max(end, startedAt + leadHours * HOUR_MS));
    expect(switchAt).to.be.below(Date.now() + leadHours * HOUR_MS + 60_000);
    expect(old?.validTo).to.equal(next?.validFrom);
    expect(next?.validTo).to.equal(null);

    const audited = await node.ctx.conn
      .collection<{ action: string; target: unknown; details: Record<string, unknown> }>("audit_log")
      .find({ action: "certificate.key_rotated" })
      .toArray();
    expect(audited).to.have.length(1);
    expect(audited[0]).to.deep.include({ target: { type: "certificate_key", id: next?.kid } });
    expect(audited[0]?.details).to.include({
      kid: next?.kid,
      previousKid: first.kid,
      validFrom: next?.validFrom,
      scheduled: true,
    });
  });
});
