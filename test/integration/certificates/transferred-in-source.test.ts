import { expect } from "chai";
import type { CertificateRecord } from "../../../server/contracts/certificates.js";
import { useTestDatabase } from "../../helpers/database.js";
import { NODE_TIME_ZONE, OTHER_NODE_TIME_ZONE } from "../../helpers/time-zone.js";
import { aProvinceKey, aTrustList } from "../../unit/certificates/trust-fixtures.js";
import {
  aJiangsuRecord,
  issueAtBeijing,
  jiangsuStatusList,
  qrOf,
  refusal,
  signed,
} from "./fixtures-transfer.js";

const DAY = 86_400_000;
type Tail<T extends unknown[]> = T extends [unknown, ...infer R] ? R : never;

/**
 * 江苏 (home) as 北京's verifier sees it: K1, retired a month ago (it stays on the trust list, as a
 * rotation leaves it, so certificates it signed still verify), and K2 in use since; 江苏's status
 * list made now. `holderQr` is the holder's current card (version 2, issued yesterday with K2).
 */
function jiangsuAfterRotation(now: Date) {
  const retiredAt = new Date(now.getTime() - 30 * DAY).toISOString();
  const k1 = aProvinceKey("ed25519", "320000", "2020-01-01T00:00:00.000Z");
  k1.entry.validTo = retiredAt;
  const k2 = aProvinceKey("ed25519", "320000", retiredAt);
  const { list } = aTrustList([k1.entry, k2.entry], { now });
  const status = jiangsuStatusList(k2, list, now);
  return { k1, k2, list, status };
}

/** Version 2 of 江苏's certificate of a new holder, issued yesterday: the record and its QR claims. */
function aVersionTwoRecord(now: Date): CertificateRecord {
  const issuedAt = new Date(Math.floor((now.getTime() - DAY) / 1000) * 1000).toISOString();
  return aJiangsuRecord({
    name: "周转籍",
    version: 2,
    firstIssuedOn: "2024-03-01",
    issuedAt,
    validFrom: issuedAt.slice(0, 10),
    validTo: "2030-02-28",
  });
}

/**
 * Issuance on a transfer trusts the home's record only as far as its signatures go: the record's key
 * must have been the home's key when the record was issued (as a QR's must, verify-qr.ts), on a list
 * still in force, and the record must say what the holder's verified QR says. A key rotated out
 * after it leaked stays on the lists, so without that a record signed with it could carry over any
 * category and validity beside the holder's genuine card.
 */
describe("issuance on a transfer: the home's signed record is bound to its key's window and to the QR", function () {
  const db = useTestDatabase("transfer_src");

  const issueOn = (...args: Tail<Parameters<typeof issueAtBeijing>>) => issueAtBeijing(db.conn, ...args);

  const issuedHere = (certificateNo: string) =>
    db.conn.collection("certificates").countDocuments({ certificateNo });

  it("when the holder's genuine card and record (both signed with the home's current key) come with the agreement, then the certificate is issued from them", async () => {
    const now = new Date();
    const home = jiangsuAfterRotation(now);
    const record = aVersionTwoRecord(now);
    const qr = qrOf(record, home.k2);
    const issued = await issueOn(
      { record, signature: signed(record, home.k2, qr) },
      { lists: [home.list], status: home.status },
      now,
    );
    expect(issued).to.include({
      provinceCode: "110000",
      certificateNo: record.certificateNo,
      validTo: "2030-02-28",
    });
    expect(issued.categories.map((c) => c.code)).to.deep.equal(["02001"]);
  });

  it("when the record is signed with the home's retired key although it was issued after that key was retired, then the issuance is refused and nothing is written", async () => {
    const now = new Date();
    const home = jiangsuAfterRotation(now);
    const record = aVersionTwoRecord(now);
    const qr = qrOf(record, home.k2);
    // The same contents as the genuine record: only the key's window tells it apart.
    const err = await refusal(
      issueOn(
        { record, signature: signed(record, home.k1, qr) },
        { lists: [home.list], status: home.status },
        now,
      ),
    );
    expect(err).to.include({ code: "source_certificate_unverified", status: 422 });
    expect(err.message).to.match(/[\u4e00-\u9fff]/);
    expect(await issuedHere(record.certificateNo)).to.equal(0);
  });

  it("when the record (signed with a leaked retired key) adds a category and a later validity end to the holder's genuine card, then the issuance is refused source_record_mismatch and nothing is written", async () => {
    const now = new Date();
    const home = jiangsuAfterRotation(now);
    const genuine = aVersionTwoRecord(now);
    const qr = qrOf(genuine, home.k2);
    const forged: CertificateRecord = {
      ...genuine,
      validTo: "2040-12-31",
      categories: [
        ...genuine.categories,
        { ...genuine.categories[0]!, code: "01001", name: "道路旅客运输驾驶员" },
      ],
    };
    const err = await refusal(
      issueOn(
        { record: forged, signature: signed(forged, home.k1, qr) },
        { lists: [home.list], status: home.status },
        now,
      ),
    );
    expect(err.code).to.be.oneOf(["source_certificate_unverified", "source_record_mismatch"]);
    expect(await issuedHere(genuine.certificateNo)).to.equal(0);
  });

  it("when the record is signed with the home's current key but says another validity end or other categories than the verified card, then the issuance is refused source_record_mismatch naming the fields", async () => {
    const now = new Date();
    const home = jiangsuAfterRotation(now);
    const genuine = aVersionTwoRecord(now);
    const qr = qrOf(genuine, home.k2);
    for (const changes of [
      { validTo: "2040-12-31" },
      { categories: [...genuine.categories, { ...genuine.categories[0]!, code: "01001" }] },
      { statusIndex: 7 },
      { holder: { ...genuine.holder, name: "周另名" } },
    ] satisfies Partial<CertificateRecord>[]) {
      const record = { ...genuine, ...changes };
      const err = await refusal(
        issueOn(
          { record, signature: signed(record, home.k2, qr) },
          { lists: [home.list], status: home.status },
          now,
        ),
      );
      expect(err, JSON.stringify(changes)).to.include({ code: "source_record_mismatch", status: 422 });
      expect((err.details as { fields: string[] }).fields).to.have.length(1);
      expect(err.message).to.match(/[\u4e00-\u9fff]/);
      expect(await issuedHere(genuine.certificateNo)).to.equal(0);
    }
  });

  it("when the node's zone is not the default and the hub's copy of the home's status list is stale, then the refusal dates the copy on that zone's day, not China's", async () => {
    // 03:00 UTC: 11:00 on 7 December in China, still 6 December (22:00) in New York.
    const now = new Date("2026-12-07T03:00:00.000Z");
    const home = jiangsuAfterRotation(now);
    const record = aVersionTwoRecord(now);
    const qr = qrOf(record, home.k2);
    // 江苏's list as the hub kept it an hour ago (02:00 UTC): older than the 15 minutes allowed.
    const hourOld = jiangsuStatusList(home.k2, home.list, new Date(now.getTime() - 60 * 60_000), 86_400);
    const issue = (timeZone: string) =>
      refusal(
        issueOn(
          { record, signature: signed(record, home.k2, qr) },
          { lists: [home.list], status: hourOld },
          now,
          timeZone,
        ),
      );
    const there = await issue(OTHER_NODE_TIME_ZONE);
    expect(there.code).to.equal("source_status_stale");
    expect(there.message).to.include("生成于 2026年12月6日 21:00:00，");
    // The same refusal on a node in China: the zone handed in is the one written.
    expect((await issue(NODE_TIME_ZONE)).message).to.include("生成于 2026年12月7日 10:00:00，");
    expect(await issuedHere(record.certificateNo)).to.equal(0);
  });

  it("when the record's key is only on a trust list that has run out, then the record is not taken as the home's", async () => {
    const now = new Date();
    const home = jiangsuAfterRotation(now);
    const record = aVersionTwoRecord(now);
    // A second key of 江苏's, on a list that ran out yesterday: the QR still verifies under K2.
    const k3 = aProvinceKey("ed25519", "320000", "2020-01-01T00:00:00.000Z");
    const { list: expired } = aTrustList([k3.entry], {
      now: new Date(now.getTime() - 8 * DAY),
      validForSeconds: 7 * 86_400,
    });
    const qr = qrOf(record, home.k2);
    const err = await refusal(
      issueOn(
        { record, signature: signed(record, k3, qr) },
        { lists: [home.list, expired], status: home.status },
        now,
      ),
    );
    expect(err.code).to.equal("source_certificate_unverified");
    expect(await issuedHere(record.certificateNo)).to.equal(0);
  });
});

/**
 * A holder coming back (transfer back) gets a new status index and the index of the certificate
 * cancelled when they left is retired. An index drawn before slots were kept has no slot, so a draw
 * landing on it is claimed without a duplicate key; retired then in the same transaction, it made
 * the new valid certificate read cancelled (注销) on the list.
 */
describe("issuance on a transfer back: the new status index is never the one the certificate leaves", function () {
  const db = useTestDatabase("transfer_back_idx");
  const OLD_INDEX = 7;

  /** 北京's certificate of a holder who left (cancelled), on an index with no slot; 6 of 8 others taken. */
  async function aHolderWhoLeft(now: Date) {
    const home = jiangsuAfterRotation(now);
    const record = aVersionTwoRecord(now);
    const source = { record, signature: signed(record, home.k2, qrOf(record, home.k2)) };
    const c = db.conn.collection("certificates");
    const slots = db.conn.collection("certificate_status_slots");
    await Promise.all([c.deleteMany({}), slots.deleteMany({})]);
    await db.conn
      .collection("certificate_status_capacity")
      .updateOne({ provinceCode: "110000" }, { $set: { capacity: 8, grownAt: null } }, { upsert: true });
    await issueAtBeijing(db.conn, source, { lists: [home.list], status: home.status }, now);
    await c.updateOne(
      { certificateNo: record.certificateNo },
      { $set: { status: "cancelled", statusIndex: OLD_INDEX } },
    );
    await slots.deleteMany({});
    await slots.insertMany(
      [0, 1, 2, 3, 4, 5].map((statusIndex) => ({
        statusIndex,
        certificateNo: `other-${statusIndex}`,
        drawnAt: now,
        retired: false,
        retiredStatus: null,
        retiredAt: null,
        lastVersion: null,
      })),
    );
    return { source, home };
  }

  it("when the holder transferred back is issued again while the old index has no slot, then the new version takes another index and only the old one is retired cancelled", async () => {
    const now = new Date();
    const { source, home } = await aHolderWhoLeft(now);
    // The draws go: a taken index (a duplicate key, drawn again), the old index (no slot, so no
    // duplicate key would stop it), then a free one. Forced, the test fails on the unfixed code
    // every time instead of in the runs whose random draws happened to land on the old index.
    const draws = [0, OLD_INDEX, 6];
    const drawn: number[] = [];
    const forced = (capacity: number) => {
      expect(capacity).to.equal(8);
      const next = draws.shift();
      if (next === undefined) throw new Error("more draws than forced");
      drawn.push(next);
      return next;
    };
    const again = await issueAtBeijing(
      db.conn,
      source,
      { lists: [home.list], status: home.status },
      now,
      NODE_TIME_ZONE,
      forced,
    );
    expect(drawn).to.deep.equal([0, OLD_INDEX, 6]);
    expect(again.version).to.equal(2);
    expect(again.statusIndex).to.equal(6);
    const slots = db.conn.collection("certificate_status_slots");
    expect(await slots.findOne({ statusIndex: 6 })).to.include({
      retired: false,
      certificateNo: source.record.certificateNo,
    });
    expect(await slots.findOne({ statusIndex: OLD_INDEX })).to.include({
      retired: true,
      retiredStatus: "cancelled",
    });
  });
});
