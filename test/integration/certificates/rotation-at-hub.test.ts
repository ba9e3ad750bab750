import { expect } from "chai";
import { verifyQrText } from "../../../server/certificates/index.js";
import { eventually } from "../../helpers/eventually.js";
import { aCertificateHolder } from "../exchange/transfers.js";
import {
  anOutboxEvent,
  aProvinceOfHub,
  nationalTrustList,
  startTestHub,
  type TestHub,
} from "../hub/support.js";
import {
  anotherInstance,
  aPass,
  expectNothingIssued,
  issueError,
  officer,
  pendingIssuanceOf,
} from "./support.js";
import { NODE_TIME_ZONE } from "../../helpers/time-zone.js";

type Node = Awaited<ReturnType<typeof aProvinceOfHub>>;

const HOUR_MS = 3_600_000;

/**
 * A province rotates its certificate key while other provinces verify its certificates only
 * through the hub's national trust list: the new key must be on that list before the province
 * signs anything with it.
 */
describe("a rotated certificate key reaches the hub before it signs", function () {
  this.timeout(120_000);
  let hub: TestHub;
  let jiangsu: Node;
  let beijing: Node;

  before(async function () {
    this.timeout(180_000);
    hub = await startTestHub();
    jiangsu = await aProvinceOfHub(hub, "320000", {
      CERT_AUTO_ISSUE: "true",
      CERT_TRUST_DEMO: "false",
      CERT_KEY_ROTATION_LEAD_HOURS: "1",
    });
    beijing = await aProvinceOfHub(hub, "110000", { CERT_TRUST_DEMO: "false" });
  });
  after(async () => {
    await beijing?.stop();
    await jiangsu?.stop();
    await hub?.node.stop();
  });

  /** The hub's national trust list as an offline verifier holds it. */
  const nationalList = (at: TestHub = hub) => nationalTrustList(at);

  const hubListsKey = async (kid: string, at: TestHub = hub) =>
    (await nationalList(at)).body.keys.find((k) => k.kid === kid);

  async function qrOf(node: Node, certificateNo: string): Promise<{ qr: string; kid: string }> {
    const doc = await node.ctx.conn
      .collection<{ signature: { qr: string; kid: string } }>("certificates")
      .findOne({ certificateNo });
    if (!doc) throw new Error(`no certificate ${certificateNo}`);
    return doc.signature;
  }

  it("when 江苏 rotates its key, then it goes on signing with the old key, its next push lists the new key at the hub before the switch, and what it signs after the switch verifies at 北京 online and offline", async () => {
    const previous = (await nationalList()).body.keys.filter((k) => k.provinceCode === "320000");
    const rotatedTo = await anotherInstance(jiangsu).facade.signing.rotate();

    // 江苏 goes on issuing; its certificates are still sealed with the key the hub already lists.
    const before = await aCertificateHolder(hub, jiangsu);
    expect(previous.map((k) => k.kid)).to.include((await qrOf(jiangsu, before.idNumber)).kid);
    const listed = await eventually(() => hubListsKey(rotatedTo)).catch(() => {
      throw new Error(`the hub's national list never listed the rotated key ${rotatedTo}`);
    });
    expect(listed).to.include({ provinceCode: "320000", validTo: null });

    // After the switch: sealed with the new key, and trusted wherever the hub's list is.
    const later = new Date(Date.now() + HOUR_MS + 60_000);
    const issuing = anotherInstance(jiangsu, () => later);
    const pass = await aPass(jiangsu);
    // 江苏 issues automatically: the pass is issued as it arrives.
    await issuing.facade.issuance.onExamPassed(pass);
    const { qr, kid } = await qrOf(jiangsu, pass.idNumber);
    expect(kid).to.equal(rotatedTo);
    const online = await anotherInstance(beijing, () => later).facade.verifyText(qr);
    expect(online).to.deep.include({ ok: true, authentic: true, code: "valid" });
    expect(online.trust?.issuer).to.equal("hub");
    expect(
      verifyQrText(qr, { lists: [await nationalList()], timeZone: NODE_TIME_ZONE }, later).code,
    ).to.equal("valid");
  });

  it("when the switch comes before the hub lists the new key, then issuance is refused signing_key_not_at_hub and leaves nothing; once the node's own push has listed it, the same issuance goes through and verifies against the hub's list", async () => {
    // A network of its own: a province that rotates without a lead (its key switches at once).
    const hubOfThis = await startTestHub();
    const province = await aProvinceOfHub(hubOfThis, "320000", {
      CERT_AUTO_ISSUE: "true",
      CERT_TRUST_DEMO: "false",
      CERT_KEY_ROTATION_LEAD_HOURS: "0",
    });
    try {
      const rotatedTo = await anotherInstance(province).facade.signing.rotate();
      const inst = anotherInstance(province);
      const pass = await aPass(province);
      const pending = await pendingIssuanceOf(inst, pass);
      expect(await issueError(inst, pending)).to.include({ code: "signing_key_not_at_hub", status: 409 });
      await expectNothingIssued(province, pass);

      // The node itself, asked to issue, is refused too and has its push announce the key at once.
      const woken = await aPass(province);
      await anOutboxEvent(province.ctx.conn, "exam.passed", woken, `exam.passed:${woken.attemptId}`);
      await eventually(() => hubListsKey(rotatedTo, hubOfThis)).catch(() => {
        throw new Error(`the hub's national list never listed the rotated key ${rotatedTo}`);
      });

      await inst.facade.issuance.issue(officer, pending);
      const { qr, kid } = await qrOf(province, pass.idNumber);
      expect(kid).to.equal(rotatedTo);
      expect(
        verifyQrText(qr, { lists: [await nationalList(hubOfThis)], timeZone: NODE_TIME_ZONE }, new Date())
          .code,
      ).to.equal("valid");
    } finally {
      await province.stop();
      await hubOfThis.node.stop();
    }
  });
});
