import { expect } from "chai";
import { z } from "zod";
import { LookupNoticesPage, OfficerLookupBody, type ChangesPage, type CollectionReceipt, type LookupAnswer } from "../../../server/contracts/hub.js";
import { useTestDatabase } from "../../helpers/database.js";
import { aCertificateRecord, aNewIdNumber, aRegisteredProvince, startTestHub, type TestHub } from "./support.js";

describe("hub catalog interface", () => {
  const provinceDb = useTestDatabase("prov_cat");
  let hub: TestHub;
  let jiangsu: Awaited<ReturnType<typeof aRegisteredProvince>>;
  let beijing: Awaited<ReturnType<typeof aRegisteredProvince>>;
  const idNumber = aNewIdNumber();

  before(async () => {
    hub = await startTestHub();
    jiangsu = await aRegisteredProvince(hub, "320000", provinceDb.conn);
    beijing = await aRegisteredProvince(hub, "110000", provinceDb.conn);
    const answer = await jiangsu.client.call<CollectionReceipt>("POST", "/api/hub/v1/collection/records", {
      batchId: "cat-1",
      records: [aCertificateRecord({ idNumber, name: "赵六" })],
    });
    expect(answer.body.results[0]?.outcome).to.equal("accepted");
  });
  after(async () => {
    await hub.node.stop();
  });

  const lookup = (body: unknown) => beijing.client.call<LookupAnswer>("POST", "/api/hub/v1/catalog/lookups", body);

  it("when a 北京 officer looks up a 江苏 certificate with a reason, then it is found with its status and 江苏 sees who looked and why", async () => {
    const answer = await lookup({ query: { by: "id_number", idNumber }, officerId: "bj-officer-7", reason: "enforcement", caseReference: "京交执 2026-118" });
    expect(answer.status).to.equal(200);
    expect(answer.body.matches[0]).to.include({ idNumber, name: "赵六", homeProvince: "320000", certificateStatus: "valid" });
    const notices = await jiangsu.client.call<LookupNoticesPage>("GET", "/api/hub/v1/catalog/lookup-notices?after=0");
    expect(notices.body.lookups.find((l) => l.lookupId === answer.body.lookupId)).to.include({
      requestingProvince: "110000", officerId: "bj-officer-7", reason: "enforcement", caseReference: "京交执 2026-118", idNumber,
      // A node that names no official (written before officerName) is answered with null, not a made-up name.
      officerName: null,
    });
    const others = await beijing.client.call<LookupNoticesPage>("GET", "/api/hub/v1/catalog/lookup-notices?after=0");
    expect(others.body.lookups).to.have.length(0);
    // Written through the driver: the stored lookup is what the schema describes, field for field.
    const Lookups = hub.node.ctx.conn.model("HubLookup");
    const stored = await Lookups.collection.findOne({ lookupId: answer.body.lookupId });
    expect(Object.keys(stored ?? {}).filter((k) => k !== "_id" && !Lookups.schema.path(k))).to.deep.equal([]);
    expect(new Lookups(stored).validateSync()).to.equal(undefined);
    expect(stored).to.include({ queryBy: "id_number" }).and.not.have.property("unnumbered");
    expect(stored?.seq).to.be.greaterThan(0);
  });

  it("when a 北京 officer looks up for a transfer, then 江苏's notice says filing with transfer: true, so a province built before transfer existed still reads the page", async () => {
    const answer = await lookup({ query: { by: "id_number", idNumber }, officerId: "bj-officer-9", reason: "transfer", caseReference: "京转 2026-7" });
    expect(answer.status).to.equal(200);
    expect(answer.body.reason).to.equal("transfer");
    const raw = await jiangsu.client.call<unknown>("GET", "/api/hub/v1/catalog/lookup-notices?after=0");
    // Yesterday's notice (cffca97) as such a province parses it: strict on reason, unknown keys stripped.
    const olderNotice = z.object({
      seq: z.int(),
      lookupId: z.string(),
      reason: z.enum(["filing", "enforcement", "employer_check", "holder_request"]),
      idNumber: z.string().max(18),
    });
    const older = z.object({ lookups: z.array(olderNotice), nextCursor: z.int(), hasMore: z.boolean() }).parse(raw.body);
    expect(older.lookups.find((l) => l.lookupId === answer.body.lookupId)).to.include({ reason: "filing" });
    const page = LookupNoticesPage.parse(raw.body);
    expect(page.lookups.find((l) => l.lookupId === answer.body.lookupId)).to.include({ reason: "filing", transfer: true });
    // Any other lookup says it is not one.
    expect(page.lookups.filter((l) => l.lookupId !== answer.body.lookupId).map((l) => l.transfer)).to.not.include(true);
  });

  it("when the asking node names its official, then the home province's notice carries the name; a blank or invisible name is refused", async () => {
    const named = await lookup({ query: { by: "id_number", idNumber }, officerId: "bj-officer-8", officerName: "王执法", reason: "enforcement", caseReference: "京交执 2026-119" });
    expect(named.status).to.equal(200);
    const notices = await jiangsu.client.call<LookupNoticesPage>("GET", "/api/hub/v1/catalog/lookup-notices?after=0");
    expect(notices.body.lookups.find((l) => l.lookupId === named.body.lookupId)).to.include({ officerId: "bj-officer-8", officerName: "王执法" });
    const Lookups = hub.node.ctx.conn.model("HubLookup");
    const before = await Lookups.countDocuments();
    for (const officerName of ["   ", "王\u202e法"]) {
      const refused = await lookup({ query: { by: "id_number", idNumber }, officerId: "bj-officer-8", officerName, reason: "enforcement", caseReference: "京交执 2026-120" });
      expect(refused.status, officerName).to.equal(400);
    }
    expect(await Lookups.countDocuments()).to.equal(before);
  });

  it("when a lookup's official id or case reference carries an invisible character, then it is refused as such and nothing is logged", async () => {
    const before = await hub.node.ctx.conn.collection("hub_lookups").countDocuments();
    // The home province's officers read both in their lookup log: a bidirectional control shows
    // them the characters in another order, a zero-width space makes one reference two.
    for (const [officerId, caseReference] of [["bj\u202e-officer", "京交执 2026-130"], ["bj-officer-9", "京交执\u200b2026-130"]]) {
      const refused = await lookup({ query: { by: "id_number", idNumber }, officerId, reason: "enforcement", caseReference });
      expect(refused.status, `${officerId} ${caseReference}`).to.equal(400);
      expect(refused.rawBody).to.include("不可见字符");
    }
    expect(await hub.node.ctx.conn.collection("hub_lookups").countDocuments()).to.equal(before);
    // The officer's own form at their node, which the node forwards as it is.
    const typed = OfficerLookupBody.safeParse({ query: { by: "id_number", idNumber }, reason: "enforcement", caseReference: "京交执\u2066 2026-130" });
    expect(typed.success).to.equal(false);
  });

  it("when a lookup carries no reason or no case reference, then it is refused and nothing is logged", async () => {
    const before = await hub.node.ctx.conn.collection("hub_lookups").countDocuments();
    const noReason = await lookup({ query: { by: "id_number", idNumber }, officerId: "bj-1", caseReference: "x" });
    expect(noReason.status).to.equal(400);
    const noCase = await lookup({ query: { by: "id_number", idNumber }, officerId: "bj-1", reason: "filing" });
    expect(noCase.status).to.equal(400);
    expect(await hub.node.ctx.conn.collection("hub_lookups").countDocuments()).to.equal(before);
  });

  it("when an employer check finds the practitioner, then the ID number and name stay masked, also by certificate number", async () => {
    for (const query of [{ by: "name_id_number", name: "赵六", idNumber }, { by: "certificate_number", certificateNumber: idNumber }]) {
      const answer = await lookup({ query, officerId: "bj-2", reason: "employer_check", caseReference: "雇主核验-1" });
      const match = answer.body.matches[0];
      expect(match?.idNumber).to.equal(`${idNumber.slice(0, 4)}**********${idNumber.slice(14)}`);
      expect(match?.name).to.equal("赵*");
      expect(match?.certificateNumber).to.not.equal(idNumber);
      expect(answer.rawBody).to.not.contain(idNumber);
      expect(match?.masked).to.deep.equal(["idNumber", "name"]);
    }
  });

  it("when a lookup's name carries a pasted zero-width space, then it is refused as such, not answered as no match", async () => {
    const before = await hub.node.ctx.conn.collection("hub_lookups").countDocuments();
    const query = { by: "name_id_number", name: "赵\u200b六", idNumber };
    const answer = await lookup({ query, officerId: "bj-2", reason: "employer_check", caseReference: "雇主核验-2" });
    expect(answer.status).to.equal(400);
    expect(JSON.stringify(answer.body)).to.include("不可见字符");
    expect(await hub.node.ctx.conn.collection("hub_lookups").countDocuments()).to.equal(before);
  });

  it("when 江苏 downloads changes from a cursor, then it gets its own practitioners' changes in hub order and 北京 gets none of them", async () => {
    const first = await jiangsu.client.call<ChangesPage>("GET", "/api/hub/v1/catalog/changes?after=0&limit=1");
    expect(first.body.changes).to.have.length(1);
    await jiangsu.client.call("POST", "/api/hub/v1/collection/records", {
      batchId: "cat-2",
      records: [aCertificateRecord({ idNumber, version: 2, status: "revoked", name: "赵六" })],
    });
    const rest = await jiangsu.client.call<ChangesPage>("GET", `/api/hub/v1/catalog/changes?after=${first.body.nextCursor}`);
    expect(rest.body.changes.map((c) => c.version)).to.deep.equal([2]);
    expect(rest.body.changes[0]!.seq).to.be.greaterThan(first.body.nextCursor);
    const bj = await beijing.client.call<ChangesPage>("GET", "/api/hub/v1/catalog/changes?after=0");
    expect(bj.body.changes).to.have.length(0);
  });

  it("when a name's separator dot or padding is typed another way than the home province stored it, then the lookup by name and ID number still finds the practitioner", async () => {
    const minority = aNewIdNumber();
    const padded = aNewIdNumber();
    const published = await jiangsu.client.call<CollectionReceipt>("POST", "/api/hub/v1/collection/records", {
      batchId: "cat-names",
      // As older systems and ID card readers wrote them: a bullet for the dot, a two-character name padded.
      records: [
        aCertificateRecord({ idNumber: minority, name: "阿卜杜拉•买买提" }),
        aCertificateRecord({ idNumber: padded, name: "王　芳" }),
      ],
    });
    expect(published.body.results.map((r) => r.outcome)).to.deep.equal(["accepted", "accepted"]);
    const asked: [string, string, string][] = [
      [minority, "阿卜杜拉·买买提", "阿卜杜拉·买买提"],
      [minority, "阿卜杜拉・买买提", "阿卜杜拉·买买提"],
      [minority, "阿卜杜拉 · 买买提", "阿卜杜拉·买买提"],
      [padded, "王芳", "王芳"],
      [padded, "王 芳", "王芳"],
    ];
    for (const [id, name, stored] of asked) {
      const answer = await lookup({
        query: { by: "name_id_number", name, idNumber: id },
        officerId: "bj-3",
        reason: "enforcement",
        caseReference: "京交执 2026-121",
      });
      expect(answer.status, name).to.equal(200);
      expect(answer.body.matches.map((m) => m.name), name).to.deep.equal([stored]);
    }
    // A different person stays a different person: the rule joins only what is the same name.
    const other = await lookup({
      query: { by: "name_id_number", name: "阿卜杜拉买买提", idNumber: minority },
      officerId: "bj-3",
      reason: "enforcement",
      caseReference: "京交执 2026-122",
    });
    expect(other.body.matches).to.deep.equal([]);
  });
});
