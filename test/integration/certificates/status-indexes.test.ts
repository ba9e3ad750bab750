import { expect } from "chai";
import type { DomainEvents } from "../../../server/contracts/domain-events.js";
import type { VerificationResultDto } from "../../../server/contracts/certificates.js";
import { getStatusBits, loadStatusList } from "../../../server/certificates/index.js";
import * as bitstring from "../../../server/lib/bitstring-status-list.js";
import {
  anotherInstance,
  aPass,
  officer,
  pendingIssuanceOf,
  recordPassResult,
  startCertNode,
  type TestNode,
} from "./support.js";

/**
 * Status-list indexes (W3C Bitstring Status List): each certificate version verifiers read carries
 * one, and a verifier at another province knows nothing else of its status. An index a certificate
 * leaves (a reissue) keeps the status its version ended with; the province's capacity grows before
 * it runs out, and its list grows with it.
 */
describe("certificate status-list indexes: reissue, capacity and list size", function () {
  this.timeout(120_000);
  let jiangsu: TestNode;
  /** Another province that verifies 江苏's certificates from 江苏's published lists (a peer). */
  let beijing: TestNode;
  before(async () => {
    jiangsu = await startCertNode();
    // 北京 pins 江苏's anchor, as an operator would after checking it with 江苏.
    const { anchors } = (await (await fetch(`${jiangsu.url}/api/certificates/trust-anchors`)).json()) as {
      anchors: { publicKey: string }[];
    };
    beijing = await startCertNode({
      PROVINCE_CODE: "110000",
      CERT_PEERS: `320000=${jiangsu.url}`,
      CERT_PEER_ANCHORS: anchors.map((a) => `320000=${a.publicKey}`).join(","),
    });
  });
  after(async () => {
    await beijing?.stop();
    await jiangsu?.stop();
  });

  const slots = () => jiangsu.ctx.conn.collection("certificate_status_slots");
  const capacityDoc = () =>
    jiangsu.ctx.conn.collection("certificate_status_capacity").findOne({ provinceCode: "320000" });
  const setCapacity = (capacity: number) =>
    jiangsu.ctx.conn
      .collection("certificate_status_capacity")
      .updateOne({ provinceCode: "320000" }, { $set: { capacity } }, { upsert: true });

  /** Issues `pass` (delivering it first) on a fresh instance of 江苏's certificates feature. */
  async function issue(pass: DomainEvents["exam.passed"]) {
    const inst = anotherInstance(jiangsu);
    return inst.facade.issuance.issue(officer, await pendingIssuanceOf(inst, pass));
  }

  /** The same holder passes `categoryCode` too. */
  async function passesAlso(first: DomainEvents["exam.passed"], categoryCode: string) {
    const again = { ...first, attemptId: `${first.attemptId}-${categoryCode}`, categoryCode };
    await recordPassResult(jiangsu, again);
    return again;
  }

  const verifyAtBeijing = async (text: string) =>
    (await (
      await fetch(`${beijing.url}/api/certificates/verify`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ text }),
      })
    ).json()) as VerificationResultDto;

  /** 江苏's published status list, verified with its published trust list's keys. */
  async function jiangsuList() {
    const trust = (await (await fetch(`${jiangsu.url}/api/certificates/trust-list`)).json()) as {
      payload: string;
    };
    const keys = (JSON.parse(Buffer.from(trust.payload, "base64url").toString("utf8")) as { keys: [] }).keys;
    const list = loadStatusList(
      await (await fetch(`${jiangsu.url}/api/certificates/status-list`)).json(),
      keys,
    );
    if (!list) throw new Error("江苏's status list does not load");
    return list;
  }

  it("when a certificate cancelled at the holder's request is issued again on a new pass, then at another province the old card (still in date) verifies as cancelled and the new one as valid", async () => {
    const { lifecycle } = anotherInstance(jiangsu).facade;
    const first = await aPass(jiangsu, "01001");
    await issue(first);
    await issue(await passesAlso(first, "03001"));
    const old = await lifecycle.get(officer, first.idNumber);
    expect(old.categories.map((c) => c.code)).to.deep.equal(["01001", "03001"]);
    await lifecycle.changeStatus(officer, first.idNumber, "cancel", {
      reason: "本人申请注销",
      cancellation: "holder_request",
    });

    const reissued = await issue(await passesAlso(first, "02001"));
    expect(reissued).to.include({ version: old.version + 1, status: "valid" });
    const now = await lifecycle.get(officer, first.idNumber);
    expect(now.versions.at(-1)).to.include({ kind: "reissue" });

    const oldCard = await verifyAtBeijing(old.signature!.qr);
    expect(oldCard, oldCard.message).to.include({ ok: false, authentic: true, code: "status_not_valid" });
    expect(oldCard.status?.state).to.equal("cancelled");
    expect(await verifyAtBeijing(now.signature!.qr)).to.include({ ok: true, code: "valid" });
    // On a new index; the one the certificate left kept, with the status its last version ended with.
    expect(now.statusIndex).to.not.equal(old.statusIndex);
    expect(await slots().findOne({ statusIndex: old.statusIndex })).to.include({
      certificateNo: first.idNumber,
      retired: true,
      retiredStatus: "cancelled",
      lastVersion: old.version,
    });
  });

  it("when more than half of the province's status-list capacity is in use, then the next issuance doubles it first and every index is drawn below the capacity of its time", async () => {
    const db = jiangsu.ctx.conn;
    const used =
      (await db.collection("certificates").countDocuments()) +
      (await slots().countDocuments({ retired: true }));
    // Half is `used + 1`: two more certificates fill it, the third finds more than half in use.
    const low = 2 * used + 2;
    await setCapacity(low);
    const holders: string[] = [];
    for (let i = 0; i < 2; i++) holders.push((await issue(await aPass(jiangsu, "01001"))).certificateNo);
    expect((await capacityDoc())?.capacity).to.equal(low);
    holders.push((await issue(await aPass(jiangsu, "01001"))).certificateNo);
    expect((await capacityDoc())?.capacity).to.equal(2 * low);

    const indexes = await Promise.all(
      holders.map(
        async (no) =>
          (await db.collection("certificates").findOne({ certificateNo: no }))?.statusIndex as number,
      ),
    );
    expect(
      indexes.slice(0, 2).every((i) => i >= 0 && i < low),
      String(indexes),
    ).to.equal(true);
    expect(indexes[2]).to.be.below(2 * low);
    // Each claimed in its slot, so no later draw can land on it.
    expect(await slots().countDocuments({ statusIndex: { $in: indexes }, retired: false })).to.equal(3);
  });

  it("when the capacity has grown past the W3C minimum, then the node's list holds that many entries and a certificate beyond entry 131,072 reads its status there", async () => {
    const capacity = 2 * bitstring.MIN_STATUS_ENTRIES;
    await setCapacity(capacity);
    const { certificateNo } = await issue(await aPass(jiangsu, "01001"));
    // As a draw from the grown capacity may give: an index past the minimum list's end.
    const index = bitstring.MIN_STATUS_ENTRIES + (Date.now() % 100_000);
    const db = jiangsu.ctx.conn;
    const drawn = (await db.collection("certificates").findOne({ certificateNo }))?.statusIndex as number;
    await db.collection("certificates").updateOne({ certificateNo }, { $set: { statusIndex: index } });
    await slots().updateOne({ statusIndex: drawn }, { $set: { statusIndex: index } });
    await anotherInstance(jiangsu).facade.lifecycle.changeStatus(officer, certificateNo, "revoke", {
      reason: "测试：吊销",
    });
    // The node's own instance serves a list a few seconds old at most: read until it shows the change.
    let list = await jiangsuList();
    for (let i = 0; i < 100 && getStatusBits(list.bits, index) !== "revoked"; i++) {
      await new Promise((r) => setTimeout(r, 100));
      list = await jiangsuList();
    }
    expect(bitstring.entriesOf(list.bits, 2)).to.equal(capacity);
    expect(getStatusBits(list.bits, index)).to.equal("revoked");
  });
});
