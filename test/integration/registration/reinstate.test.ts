import { expect } from "chai";
import { TEST_PHOTO, uniqueIdNumber, useStaffAgent } from "../../helpers/auth.js";
import { useTestNode } from "../../helpers/node.js";
import { aRow, codesByLine, confirm, csvFile, upload } from "./import-support.js";

/** A registration form as the officer sends it. */
function body(idNumber: string, overrides: Record<string, unknown> = {}) {
  return {
    name: "赵复报",
    idNumber,
    phone: "13912345678",
    addressDivisionCode: "320102",
    education: "senior_middle",
    licenceClass: "A1",
    licenceFirstIssuedOn: "2012-05-01",
    categories: ["01001"],
    declarations: { noMajorAccident3y: true },
    photo: TEST_PHOTO,
    ...overrides,
  };
}

/**
 * One registration per person (the ID number is unique): a person whose registration was withdrawn
 * (撤销报名) and who comes back is registered again on that same registration, reopened.
 */
describe("registration: registering a withdrawn candidate again", () => {
  const env = useTestNode();
  const officer = useStaffAgent(env, { roles: ["officer"], divisionCode: "320100" });
  const suzhou = useStaffAgent(env, { roles: ["officer"], divisionCode: "320500" });
  const count = (c: string) => env.node.ctx.conn.collection(c).countDocuments();
  const audits = (action: string, id: string) =>
    env.node.ctx.conn.collection("audit_log").find({ action, "target.id": id }).sort({ seq: 1 }).toArray();

  async function withdrawn(idNumber: string): Promise<string> {
    const c = (await officer.agent.post("/api/candidates").send(body(idNumber)).expect(201)).body.candidate;
    await officer.agent
      .post(`/api/candidates/${c.id}/withdraw`)
      .send({ reason: "考生本人申请撤销" })
      .expect(200);
    return c.id as string;
  }

  it("when a withdrawn candidate is registered again with new details, then that registration is reopened with them, audited, and the withdrawal stays on record", async () => {
    const idNumber = uniqueIdNumber();
    const id = await withdrawn(idNumber);
    // The form's check while typing does not call the person registered (and send them to 报考新类别).
    const precheck = await officer.agent.post("/api/candidates/precheck").send({ idNumber }).expect(200);
    expect(precheck.body.existingCandidateId).to.equal(null);
    expect(precheck.body.reopensWithdrawn).to.equal(true);
    const photos = await count("candidate_photos");
    const res = await officer.agent
      .post("/api/candidates")
      .send(body(idNumber, { phone: "13700001111", categories: ["02001"], addressDivisionCode: "320115" }))
      .expect(201);
    expect(res.body.candidate).to.include({
      id,
      withdrawn: false,
      phone: "13700001111",
      addressDivisionCode: "320115",
    });
    expect(res.body.candidate.categories).to.deep.equal(["02001"]);
    // The new photo is stored; the one of the first registration is kept with its history.
    expect(await count("candidate_photos")).to.equal(photos + 1);
    expect(await env.node.ctx.conn.collection("candidates").countDocuments({ idNumber })).to.equal(1);
    expect(await audits("candidate.registered", id)).to.have.length(1);
    const reinstated = await audits("candidate.reinstated", id);
    expect(reinstated).to.have.length(1);
    expect(reinstated[0]?.details).to.deep.include({
      categories: ["02001"],
      withdrawReason: "考生本人申请撤销",
      categoriesBefore: ["01001"],
    });
    expect(await audits("candidate.withdrawn", id)).to.have.length(1);
    // Reopened, the registration takes new categories again.
    await officer.agent
      .post(`/api/candidates/${id}/categories`)
      .send({ categories: ["01001"], heldQualifications: [], declarations: { noMajorAccident3y: true } })
      .expect(200);
  });

  it("when the new details fail a rule, then the registration stays withdrawn and no photo is left", async () => {
    const idNumber = uniqueIdNumber();
    const id = await withdrawn(idNumber);
    const photos = await count("candidate_photos");
    const res = await officer.agent
      .post("/api/candidates")
      .send(body(idNumber, { licenceFirstIssuedOn: "2026-06-01" }))
      .expect(422);
    expect(res.body.error.code).to.equal("not_eligible");
    const stored = await officer.agent.get(`/api/candidates/${id}`).expect(200);
    expect(stored.body.candidate).to.include({ withdrawn: true, phone: "13912345678" });
    expect(await count("candidate_photos")).to.equal(photos);
    expect(await audits("candidate.registered", id)).to.have.length(1);
    expect(await audits("candidate.reinstated", id)).to.have.length(0);
  });

  it("when an officer of another city registers a person withdrawn here, then it is refused without saying so and nothing changes", async () => {
    const idNumber = uniqueIdNumber();
    const id = await withdrawn(idNumber);
    const res = await suzhou.agent
      .post("/api/candidates")
      .send(body(idNumber, { addressDivisionCode: "320505" }))
      .expect(409);
    expect(res.body.error.code).to.equal("id_number_unavailable");
    const stored = await officer.agent.get(`/api/candidates/${id}`).expect(200);
    expect(stored.body.candidate).to.include({ withdrawn: true, divisionCode: "320100" });
  });

  it("when a bulk import names a withdrawn person, then its preview says the registration is reopened and its confirmation reopens it with the row's details, audited", async () => {
    const idNumber = uniqueIdNumber();
    const id = await withdrawn(idNumber);
    const fresh = aRow({ 姓名: "钱新报" });
    const file = csvFile([aRow({ 姓名: "赵复报", 身份证号: idNumber, 手机号: "13700002222" }), fresh]);
    const preview = await upload(officer, "报名.csv", file).expect(200);
    expect(preview.body).to.include({ accepted: 2, refused: 0 });
    expect(preview.body.rows[0].notes).to.include("此人的报名曾被撤销，导入将以本行信息恢复该报名");
    expect(preview.body.rows[1].notes).to.deep.equal([]);

    const done = await confirm(officer, preview.body.importId).expect(201);
    expect(done.body.registered).to.equal(2);
    const stored = await env.node.ctx.conn.collection("candidates").find({ idNumber }).toArray();
    expect(stored).to.have.length(1);
    expect(String(stored[0]?._id)).to.equal(id);
    // The row carries no photo: the reopened registration has none, as an imported one (the proctor
    // takes it at check-in); the first registration's photo stays on record in the audit entry.
    expect(stored[0]).to.deep.include({ withdrawnAt: null, phone: "13700002222", photoId: null });
    const reinstated = await audits("candidate.reinstated", id);
    expect(reinstated).to.have.length(1);
    expect(reinstated[0]?.details).to.deep.include({ withdrawReason: "考生本人申请撤销" });
    expect(reinstated[0]?.details.photoIdBefore).to.be.a("string");
    const entry = await env.node.ctx.conn
      .collection("audit_log")
      .findOne({ action: "candidate.imported", "target.id": preview.body.importId });
    expect(entry?.details).to.deep.include({ registered: 2, reopened: 1 });
  });

  it("when a bulk import names a person withdrawn in another city, then the dry run reads the row as free and the confirmation refuses the file without naming it", async () => {
    const idNumber = uniqueIdNumber();
    const id = await withdrawn(idNumber);
    const file = csvFile([aRow({ 身份证号: idNumber, 住址行政区划代码: "320505" }), aRow()]);
    const preview = await upload(suzhou, "报名.csv", file).expect(200);
    expect(codesByLine(preview.body)).to.deep.equal({ 2: [], 3: [] });
    expect(preview.body.rows[0].notes).to.deep.equal([]);
    const res = await confirm(suzhou, preview.body.importId).expect(409);
    expect(res.body.error.code).to.equal("id_number_unavailable");
    expect(res.body.error.details ?? null).to.equal(null);
    const stored = await officer.agent.get(`/api/candidates/${id}`).expect(200);
    expect(stored.body.candidate).to.include({ withdrawn: true, divisionCode: "320100" });
  });
});
