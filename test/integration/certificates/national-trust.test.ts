import { expect } from "chai";
import { certificateKeysOf } from "../../../scripts/demo-hub-registration.js";
import { aProvinceOfHub, startTestHub, type TestHub } from "../hub/support.js";
import { eventually } from "../../helpers/eventually.js";
import { anotherInstance, aPass, officer } from "./support.js";

type Node = Awaited<ReturnType<typeof aProvinceOfHub>>;

/**
 * Cross-province verification through the hub: 江苏 (SM2) and 北京 (Ed25519) know nothing of each
 * other; each trusts the hub's national trust list under the hub key it pins.
 */
describe("certificates verify across provinces through the hub's trust list", function () {
  this.timeout(120_000);
  let hub: TestHub;
  let jiangsu: Node;
  let beijing: Node;

  before(async function () {
    this.timeout(180_000);
    hub = await startTestHub();
    jiangsu = await aProvinceOfHub(hub, "320000", { CERT_SUITE: "sm2-sm3", CERT_TRUST_DEMO: "false" });
    beijing = await aProvinceOfHub(hub, "110000", { CERT_SUITE: "ed25519", CERT_TRUST_DEMO: "false" });
  });
  after(async () => {
    await beijing?.stop();
    await jiangsu?.stop();
    await hub?.node.stop();
  });

  async function issuedAtJiangsu(): Promise<string> {
    const inst = anotherInstance(jiangsu);
    const pass = await aPass(jiangsu);
    await inst.facade.issuance.onExamPassed(pass);
    const pending = (await inst.facade.issuance.page(officer, { status: "pending" })).issuances.find(
      (p) => p.attemptId === pass.attemptId,
    )!;
    const record = await inst.facade.issuance.issue(officer, String(pending._id));
    const doc = await jiangsu.ctx.conn
      .collection("certificates")
      .findOne({ certificateNo: record.certificateNo });
    return (doc?.signature as { qr: string }).qr;
  }

  /** The hub operator registers 江苏's node key and certificate keys (as the demo network does). */
  async function registerJiangsuKeys(at: TestHub, { withCertificateKeys = true } = {}): Promise<void> {
    const identity = (await (await fetch(`${jiangsu.url}/api/sharing/identity`)).json()) as {
      publicKey: string;
    };
    await at.registry.register({
      provinceCode: "320000",
      name: "江苏",
      nodeKey: identity.publicKey,
      certificateKeys: withCertificateKeys
        ? ((await certificateKeysOf(jiangsu.url)) as Parameters<
            TestHub["registry"]["register"]
          >[0]["certificateKeys"])
        : [],
    });
  }

  it("when 江苏's keys are not registered at the hub, then 北京 says unknown issuer key; once registered, 北京 verifies the SM2 certificate against the hub-signed list", async () => {
    const qr = await issuedAtJiangsu();
    // aProvinceOfHub registers each province with its certificate keys: take 江苏's off the hub's
    // list first, and ask a fresh 北京 instance so no list cached from before counts.
    await registerJiangsuKeys(hub, { withCertificateKeys: false });
    const before = await anotherInstance(beijing).facade.verifyText(qr);
    expect(before).to.deep.include({ authentic: false, code: "unknown_issuer_key" });

    await registerJiangsuKeys(hub);
    // 北京 refreshes the hub's list at most once a minute: a fresh node instance reads it now.
    const fresh = anotherInstance(beijing);
    const after = await fresh.facade.verifyText(qr);
    expect(after).to.deep.include({ ok: true, authentic: true, code: "valid" });
    expect(after.claims).to.deep.include({ provinceCode: "320000", suite: "sm2-sm3" });
    expect(after.trust?.issuer).to.equal("hub");
    // 北京 is not 江苏's peer: the status is the hub's copy of 江苏's list.
    expect(after.status).to.deep.include({ state: "valid", source: "status_list" });
  });

  it("when 江苏 revokes a certificate, then 北京's verification (not 江苏's peer) reads it revoked from the hub's copy of 江苏's list", async () => {
    const qr = await issuedAtJiangsu();
    const idNumber = (await anotherInstance(beijing).facade.verifyText(qr)).claims!.certificateNo;
    // 江苏's node has just built its list (a verifier asked for it); the revocation is made on
    // another instance, so the node's cached list does not have it.
    expect((await fetch(`${jiangsu.url}/api/certificates/status-list`)).status).to.equal(200);
    await anotherInstance(jiangsu).facade.lifecycle.changeStatus(officer, idNumber, "revoke", {
      reason: "发生重大责任事故",
    });
    // 江苏 pushes its list to the hub once per change; a fresh 北京 instance caches nothing.
    const verdict = await eventually(async () => {
      const v = await anotherInstance(beijing).facade.verifyText(qr);
      return v.status?.state === "revoked" ? v : null;
    });
    expect(verdict).to.deep.include({ ok: false, authentic: true, code: "status_not_valid" });
    expect(verdict.status).to.deep.include({ state: "revoked", source: "status_list" });
  });

  it("when a list claiming to be the hub's is signed by another key, then 北京 does not trust it", async () => {
    const forged = await startTestHub();
    try {
      await registerJiangsuKeys(forged);
      await registerJiangsuKeys(hub);
      const trusted = anotherInstance(beijing);
      // The same pinned key (the real hub's), but the list fetched from another hub.
      const misled = {
        ...beijing,
        ctx: {
          ...beijing.ctx,
          config: { ...beijing.ctx.config, hub: { ...beijing.ctx.config.hub, url: forged.node.url } },
        },
      };
      const viaForged = anotherInstance(misled as Node);
      const qr = await issuedAtJiangsu();
      expect((await viaForged.facade.verifyText(qr)).code).to.equal("unknown_issuer_key");
      expect((await trusted.facade.verifyText(qr)).code).to.equal("valid");
    } finally {
      await forged.node.stop();
    }
  });
});
