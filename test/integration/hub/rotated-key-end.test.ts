import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import {
  buildStatusList,
  createSigner,
  emptyStatusBits,
  sealClaims,
  verifyQrText,
} from "../../../server/certificates/index.js";
import { createStatusListService } from "../../../server/hub/status-lists.js";
import { AppError } from "../../../server/lib/errors.js";
import { eventually } from "../../helpers/eventually.js";
import { NODE_TIME_ZONE } from "../../helpers/time-zone.js";
import { anotherInstance, aPass } from "../certificates/support.js";
import { anOutboxEvent, aProvinceOfHub, nationalTrustList, startTestHub, type TestHub } from "./support.js";

/**
 * A key ended by a rotation (possibly because it leaked) must stop being vouched for by the hub's
 * national list at the instant the node ended it: kept as whole days, the list vouched for it until
 * the next UTC midnight, and anything the leaked key signed meanwhile verified in every province.
 */
describe("the hub's national list ends a rotated key when the node ended it", function () {
  this.timeout(120_000);
  let hub: TestHub;
  let province: Awaited<ReturnType<typeof aProvinceOfHub>>;
  before(async function () {
    this.timeout(180_000);
    hub = await startTestHub();
    province = await aProvinceOfHub(hub, "320000", {
      CERT_AUTO_ISSUE: "true",
      CERT_TRUST_DEMO: "false",
      CERT_KEY_ROTATION_LEAD_HOURS: "0",
    });
  });
  after(async () => {
    await province?.stop();
    await hub?.node.stop();
  });

  /** The hub's national list as an offline verifier holds it. */
  const national = () => nationalTrustList(hub);

  /**
   * Rotates the province's certificate key with no lead (the key in use ends now, as after a leak)
   * and waits for the hub to list the end; answers the ended key with its private part.
   */
  async function aKeyEndedNow() {
    const file = JSON.parse(
      readFileSync(join(province.ctx.config.certificates.keysDir, "signing-keys.json"), "utf8"),
    ) as {
      keys: {
        purpose: string;
        kid: string;
        suite: "ed25519";
        publicKey: string;
        privateKey: string;
        validTo: string | null;
      }[];
    };
    const leaked = file.keys.filter((k) => k.purpose === "certificate" && !k.validTo).at(-1);
    if (!leaked) throw new Error("no certificate key in use");
    const rotatedTo = await anotherInstance(province).facade.signing.rotate();
    // The node itself, asked to issue with the new key the hub does not list yet, announces it.
    const pass = await aPass(province);
    await anOutboxEvent(province.ctx.conn, "exam.passed", pass, `exam.passed:${pass.attemptId}`);
    await eventually(async () => {
      const keys = (await national()).body.keys;
      return keys.some((k) => k.kid === rotatedTo) && keys.find((k) => k.kid === leaked.kid)?.validTo;
    });
    return leaked;
  }

  it("when a key ended now (a leak) signs a certificate an hour later, then a verifier with only the hub's list refuses it key_not_valid_at_issue", async () => {
    const leaked = await aKeyEndedNow();
    const hourLater = new Date(Date.now() + 3_600_000);
    const qr = sealClaims(
      {
        provinceCode: "320000",
        certificateNo: "32010219900307002X",
        version: 1,
        name: "伪造者",
        categories: ["01001"],
        validFrom: "2026-01-01",
        validTo: "2031-12-31",
        issuedAt: hourLater.toISOString(),
        statusIndex: 7,
        chainHash: "ab".repeat(32),
      },
      { kid: leaked.kid, signer: createSigner(leaked) },
    );
    const listed = (await national()).body.keys.find((k) => k.kid === leaked.kid);
    expect(
      verifyQrText(qr, { lists: [await national()], timeZone: NODE_TIME_ZONE }, hourLater).code,
      `hub lists it until ${listed?.validTo}`,
    ).to.equal("key_not_valid_at_issue");
  });

  it("when a key ended now (a leak) signs a status list dated a minute later, then the hub refuses it status_list_key_retired and keeps the list it held", async () => {
    const leaked = await aKeyEndedNow();
    const statusLists = createStatusListService(hub.node.ctx.conn, { timeZone: "Asia/Shanghai" });
    const held = await statusLists.get("320000");
    const forged = buildStatusList(
      {
        provinceCode: "320000",
        bits: emptyStatusBits(),
        now: new Date(Date.now() + 60_000),
        validForSeconds: 3600,
      },
      { kid: leaked.kid, signer: createSigner(leaked) },
    );
    const refusal = await statusLists.publish(forged, "320000").then(
      () => null,
      (err: unknown) => err,
    );
    expect(refusal)
      .to.be.instanceOf(AppError)
      .and.to.include({ code: "status_list_key_retired", status: 422 });
    // Its times read as the pages write them, not as ISO instants.
    expect((refusal as AppError).message).to.match(/生成于 \d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}:\d{2}，/);
    expect((refusal as AppError).message).to.not.match(/\d{4}-\d{2}-\d{2}T/);
    expect(await statusLists.get("320000")).to.deep.equal(held);
  });
});
