import { expect } from "chai";
import { openKeyStore } from "../../../server/certificates/index.js";
import { anotherInstance, startCertNode, type TestNode } from "./support.js";

interface ClaimRow {
  _id: string;
  provinceCode: string;
  purpose: string;
  fromKid: string;
  status: string;
  scheduled: boolean;
  claimedAt: Date;
  toKid?: string | null;
  switchAt?: string | null;
}

/**
 * A rotation changes the key file, then commits its claim's completion with its audit entry. An
 * instance that stopped between the two left the key rotated, the claim `rotating` and no entry:
 * the next check finds the claim stale, sees in the key file that the rotation happened, and
 * finishes it, writing the entry once whichever instances check.
 */
describe("a key rotation interrupted before its audit entry", function () {
  this.timeout(60_000);
  let node: TestNode;
  before(async () => {
    node = await startCertNode({ CERT_KEY_ROTATION_LEAD_HOURS: "48" });
  });
  after(async () => {
    await node.stop();
  });

  const claims = () => node.ctx.conn.collection<ClaimRow>("certificate_key_rotations");
  const rotatedEntries = () =>
    node.ctx.conn
      .collection<{
        action: string;
        actor: { id: string };
        target: unknown;
        details: Record<string, unknown>;
      }>("audit_log")
      .find({ action: "certificate.key_rotated" })
      .toArray();

  /** The key file rotated as the stopped instance rotated it, and the claim it left behind. */
  async function aRotationStoppedBeforeItsEntry(claimedMinutesAgo: number) {
    const inst = anotherInstance(node);
    const from = inst.facade.signing.openKey("certificate");
    if (!from) throw new Error("no open certificate key");
    await claims().insertOne({
      _id: `${node.ctx.config.provinceCode}:certificate:${from.kid}`,
      provinceCode: node.ctx.config.provinceCode ?? "",
      purpose: "certificate",
      fromKid: from.kid,
      status: "rotating",
      scheduled: false,
      claimedAt: new Date(Date.now() - claimedMinutesAgo * 60_000),
    });
    // The key file alone, as the stopped instance left it: rotated, its new key not yet registered.
    const { keysDir, suite } = node.ctx.config.certificates;
    const to = (
      await openKeyStore(keysDir, suite).rotate("certificate", {
        leadMs: 48 * 3_600_000,
        expectOpen: from.kid,
      })
    ).kid;
    return { from: from.kid, to, claimId: `${node.ctx.config.provinceCode}:certificate:${from.kid}` };
  }

  it("when the claim is stale and the key file shows the rotation, then the next checks of two instances finish it and write its audit entry once", async () => {
    const before = (await rotatedEntries()).length;
    const { from, to, claimId } = await aRotationStoppedBeforeItsEntry(11);
    const [a, b] = [anotherInstance(node), anotherInstance(node)];
    await Promise.all([a.facade.keyRotation.rotateIfDue(), b.facade.keyRotation.rotateIfDue()]);
    await a.facade.keyRotation.rotateIfDue();

    const claim = await claims().findOne({ _id: claimId });
    expect(claim).to.deep.include({ status: "done", toKid: to });
    expect(claim?.switchAt).to.equal(a.facade.signing.validFromOf(to));
    const entries = (await rotatedEntries()).slice(before);
    expect(entries).to.have.length(1);
    expect(entries[0]).to.deep.include({ target: { type: "certificate_key", id: to } });
    expect(entries[0]?.details).to.include({ kid: to, previousKid: from, scheduled: false, recovered: true });
    // Nothing was rotated again: the key the stopped rotation made is still the open one, and it
    // is registered now, so the node's trust list and its announcement to the hub carry it.
    expect(a.facade.signing.openKey("certificate")?.kid).to.equal(to);
    expect(await node.ctx.conn.collection("certificate_keys").countDocuments({ kid: to })).to.equal(1);
  });

  it("when the claim is recent (its rotation may still be running), then the check leaves it to its instance", async () => {
    const before = (await rotatedEntries()).length;
    const { claimId } = await aRotationStoppedBeforeItsEntry(1);
    await anotherInstance(node).facade.keyRotation.rotateIfDue();
    expect((await claims().findOne({ _id: claimId }))?.status).to.equal("rotating");
    expect(await rotatedEntries()).to.have.length(before);
  });
});
