import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { MAX_PHOTO_BYTES } from "../../../server/contracts/registration.js";
import { createRegistrationService } from "../../../server/registration/index.js";
import {
  aSessionThroughApi,
  registerTestCandidate,
  staffAgent,
  TEST_PHOTO,
  useStaffAgent,
  type AuthedAgent,
} from "../../helpers/auth.js";
import { testDatabase } from "../../helpers/database.js";
import { startHoldingProxy } from "../../helpers/holding-proxy.js";
import { startTestNode, useTestNode, type TestNode } from "../../helpers/node.js";
import { aRow, confirm, csvFile, upload } from "./import-support.js";

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** A PNG-looking photo (signature + padding), other bytes than TEST_PHOTO's. */
const PNG = {
  mimeType: "image/png" as const,
  dataBase64: Buffer.concat([Buffer.from(PNG_SIGNATURE), randomBytes(60)]).toString("base64"),
};

/**
 * 更换照片: a bulk import registers people without a photo, and a registration's photo could never
 * be replaced, while the proctor compares the person with it at check-in.
 */
describe("registration: replacing the photo", () => {
  const env = useTestNode();
  const officer = useStaffAgent(env, { roles: ["officer"], divisionCode: "320100" });
  const elsewhere = useStaffAgent(env, { roles: ["officer"], divisionCode: "320200" });
  const audits = (id: string) =>
    env.node.ctx.conn
      .collection("audit_log")
      .find({ action: "candidate.photo_replaced", "target.id": id })
      .toArray();
  const reads = () =>
    createRegistrationService(env.node.ctx.conn, {
      timeZone: env.node.ctx.config.timeZone,
      provinceCode: env.node.ctx.config.provinceCode,
    });

  it("when an imported candidate without a photo is given one, then the photo reads back and the audit entry names it", async () => {
    const preview = await upload(officer, "photo.csv", csvFile([aRow({ 姓名: "钱导照" })])).expect(200);
    await confirm(officer, preview.body.importId).expect(201);
    const listed = await officer.agent.get("/api/candidates?q=钱导照").expect(200);
    const c = (listed.body.candidates as { id: string; photoId: string | null }[])[0];
    if (!c) throw new Error("the import registered nobody");
    expect(c.photoId).to.equal(null);
    await officer.agent.get(`/api/candidates/${c.id}/photo`).expect(404);

    const res = await officer.agent.put(`/api/candidates/${c.id}/photo`).send(PNG).expect(200);
    expect(res.body.candidate.photoId).to.be.a("string");
    const photo = await officer.agent.get(`/api/candidates/${c.id}/photo`).expect(200);
    expect(photo.headers["content-type"]).to.match(/^image\/png/);
    expect(Buffer.from(photo.body as Buffer).equals(Buffer.from(PNG.dataBase64, "base64"))).to.equal(true);
    const [entry] = await audits(c.id);
    expect(entry?.details).to.include({
      candidateName: "钱导照",
      photoIdBefore: null,
      photoId: res.body.candidate.photoId,
      mediaType: "image/png",
    });
  });

  it("when a photo is replaced, then the new one is the registration's and the old one stays readable by its id", async () => {
    const c = await registerTestCandidate(env.node, { name: "孙换照" });
    const res = await officer.agent.put(`/api/candidates/${c.id}/photo`).send(PNG).expect(200);
    expect(res.body.candidate.photoId).to.not.equal(c.photoId);
    const [entry] = await audits(c.id);
    expect(entry?.details).to.include({ photoIdBefore: c.photoId, photoId: res.body.candidate.photoId });
    // A certificate prints the photo it recorded at issue: the replaced one is kept.
    const old = await reads().getPhoto(c.photoId ?? "");
    expect(old?.data.equals(Buffer.from(TEST_PHOTO.dataBase64, "base64"))).to.equal(true);
  });

  it("when the photo is mislabelled, too large or empty, then it is refused as at registration and nothing changes", async () => {
    const c = await registerTestCandidate(env.node);
    const put = (body: object) => officer.agent.put(`/api/candidates/${c.id}/photo`).send(body);
    expect((await put({ ...PNG, mimeType: "image/jpeg" }).expect(400)).body.error.code).to.equal(
      "photo_type_mismatch",
    );
    // One byte over the bound, within what the body schema lets through: refused once decoded.
    const big = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(MAX_PHOTO_BYTES - 3)]);
    expect(
      (await put({ mimeType: "image/jpeg", dataBase64: big.toString("base64") }).expect(400)).body.error.code,
    ).to.equal("photo_too_large");
    await put({ mimeType: "image/gif", dataBase64: PNG.dataBase64 }).expect(400);
    await put({ ...PNG, extra: 1 }).expect(400);
    expect((await officer.agent.get(`/api/candidates/${c.id}`).expect(200)).body.candidate.photoId).to.equal(
      c.photoId,
    );
    expect(await audits(c.id)).to.have.length(0);
  });

  it("when the candidate holds a seat in a session not yet ended, then the photo is not replaced until the seat is freed", async () => {
    const c = await registerTestCandidate(env.node);
    const session = (await aSessionThroughApi(env.node, officer, new Date(Date.now() + 3 * 86_400_000))).id;
    await officer.agent
      .post(`/api/exam-sessions/${session}/assignments`)
      .send({ candidateId: c.id })
      .expect(201);
    const refused = await officer.agent.put(`/api/candidates/${c.id}/photo`).send(PNG).expect(409);
    expect(refused.body.error.code).to.equal("candidate_seated");
    expect(refused.body.error.message).to.include("更换照片");
    await officer.agent.delete(`/api/exam-sessions/${session}/assignments/${c.id}`).expect(204);
    await officer.agent.put(`/api/candidates/${c.id}/photo`).send(PNG).expect(200);
  });

  it("when the list asks before 更换照片, then it is told the refusal the replacement would meet, and null once nothing stands in the way", async () => {
    const c = await registerTestCandidate(env.node);
    const asked = () => officer.agent.get(`/api/candidates/${c.id}/photo-refusal`).expect(200);
    expect((await asked()).body).to.deep.equal({ refusal: null });
    const session = (await aSessionThroughApi(env.node, officer, new Date(Date.now() + 3 * 86_400_000))).id;
    await officer.agent
      .post(`/api/exam-sessions/${session}/assignments`)
      .send({ candidateId: c.id })
      .expect(201);
    const seated = (await asked()).body.refusal as { code: string; message: string };
    const refused = await officer.agent.put(`/api/candidates/${c.id}/photo`).send(PNG).expect(409);
    expect(seated).to.deep.equal({ code: "candidate_seated", message: refused.body.error.message });
    await officer.agent.delete(`/api/exam-sessions/${session}/assignments/${c.id}`).expect(204);
    expect((await asked()).body).to.deep.equal({ refusal: null });
    await elsewhere.agent.get(`/api/candidates/${c.id}/photo-refusal`).expect(404);
    await officer.agent.post(`/api/candidates/${c.id}/withdraw`).send({ reason: "重复报名" }).expect(200);
    expect((await asked()).body.refusal).to.deep.equal({
      code: "candidate_withdrawn",
      message: "该考生已撤销报名",
    });
  });

  it("when an officer of another division or a withdrawn registration is named, then nothing is replaced", async () => {
    const c = await registerTestCandidate(env.node);
    await elsewhere.agent.put(`/api/candidates/${c.id}/photo`).send(PNG).expect(404);
    await officer.agent.post(`/api/candidates/${c.id}/withdraw`).send({ reason: "重复报名" }).expect(200);
    const refused = await officer.agent.put(`/api/candidates/${c.id}/photo`).send(PNG).expect(409);
    expect(refused.body.error.code).to.equal("candidate_withdrawn");
    expect(await audits(c.id)).to.have.length(0);
  });

  /**
   * Two replacements of one photo at once: both read the same photo, and only the first to write
   * may replace it. The interleaving is made deterministic by holding the first request's photo
   * insert (its first write, after its read) until the second has committed (helpers/holding-proxy.ts).
   */
  describe("two replacements at once", function () {
    this.timeout(60_000);
    let proxy: Awaited<ReturnType<typeof startHoldingProxy>>;
    let node: TestNode;
    let second: TestNode;
    let officers: AuthedAgent[];
    before(async () => {
      proxy = await startHoldingProxy((await testDatabase()).uri);
      node = await startTestNode({ mongoUri: proxy.uri });
      // A second instance on the same database, reached directly: one process queues its audited
      // transactions, so the race is between two, as a scaled-out node runs.
      second = await startTestNode({ shareDatabase: node.dbName });
      officers = [
        await staffAgent(node, { roles: ["officer"], divisionCode: "320100" }),
        await staffAgent(second, { roles: ["officer"], divisionCode: "320100" }),
      ];
    });
    after(async () => {
      await second?.stop();
      await node?.stop();
      await proxy?.stop();
    });

    it("when two officers replace one photo at once, then one is stored, the other is refused candidate_changed and one audit entry is written", async () => {
      const c = await registerTestCandidate(node, { name: "周并发" });
      // Other bytes than PNG, so the stored photo says which request won.
      const other = {
        ...PNG,
        dataBase64: Buffer.from([...PNG_SIGNATURE, ...randomBytes(60)]).toString("base64"),
      };
      const held = proxy.hold((cmd) => cmd.insert === "candidate_photos");
      const [heldOfficer, otherOfficer] = officers as [AuthedAgent, AuthedAgent];
      const first = heldOfficer.agent
        .put(`/api/candidates/${c.id}/photo`)
        .send(PNG)
        .then((res) => res);
      await held.reached;
      // The first has read the registration's photo and is held before its write; the second runs
      // whole meanwhile.
      const won = await otherOfficer.agent.put(`/api/candidates/${c.id}/photo`).send(other);
      held.release();
      const lost = await first;
      expect([won.status, lost.status]).to.deep.equal([200, 409]);
      expect(lost.body.error.code).to.equal("candidate_changed");
      const winner = won.body.candidate.photoId as string;
      const stored = await otherOfficer.agent.get(`/api/candidates/${c.id}`).expect(200);
      expect(stored.body.candidate.photoId).to.equal(winner);
      const entries = await node.ctx.conn
        .collection("audit_log")
        .find({ action: "candidate.photo_replaced", "target.id": c.id })
        .toArray();
      expect(entries).to.have.length(1);
      expect(entries[0]?.details).to.include({ photoIdBefore: c.photoId, photoId: winner });
    });
  });
});
