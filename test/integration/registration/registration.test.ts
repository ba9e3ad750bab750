import { expect } from "chai";
import { makeIdNumber } from "../../../server/lib/id-number.js";
import { staffAgent, TEST_PHOTO, uniqueIdNumber, type AuthedAgent } from "../../helpers/auth.js";
import { startTestNode } from "../../helpers/node.js";
import { unpaddedBase64 } from "../../helpers/base64.js";
import { fullWidth } from "../../helpers/typed-text.js";

type Node = Awaited<ReturnType<typeof startTestNode>>;

function body(overrides: Record<string, unknown> = {}) {
  return {
    name: "王登记",
    idNumber: uniqueIdNumber(),
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

describe("candidate registration", () => {
  let node: Node;
  let officer: AuthedAgent;
  before(async () => {
    node = await startTestNode();
    officer = await staffAgent(node, { roles: ["officer"], divisionCode: "320100" });
  });
  after(async () => {
    await node.stop();
  });

  const count = (c: string) => node.ctx.conn.collection(c).countDocuments();

  it("when an eligible candidate is registered, then the candidate, photo and audit entry are stored", async () => {
    const res = await officer.agent.post("/api/candidates").send(body()).expect(201);
    const c = res.body.candidate;
    expect(c).to.include({ divisionCode: "320100", sex: "male" });
    expect(c.photoId).to.be.a("string");
    const photo = await officer.agent.get(`/api/candidates/${c.id}/photo`).expect(200);
    expect(photo.headers["content-type"]).to.match(/image\/jpeg/);
    expect(Buffer.from(photo.body as Buffer).equals(Buffer.from(TEST_PHOTO.dataBase64, "base64"))).to.equal(
      true,
    );
    expect(
      await node.ctx.conn
        .collection("audit_log")
        .countDocuments({ action: "candidate.registered", "target.id": c.id }),
    ).to.equal(1);
  });

  it("when the address is no current division (an abolished ID prefix), then the field is refused in place and nothing is written", async () => {
    const before = await Promise.all([count("candidates"), count("candidate_photos")]);
    const idNumber = makeIdNumber("342600", "1980-04-02", 17);
    const res = await officer.agent.post("/api/candidates").send(body({ idNumber, addressDivisionCode: "342600" }));
    expect(res.status).to.equal(400);
    expect(res.body.error.code).to.equal("validation_failed");
    expect(res.body.error.details.map((d: { path: string }) => d.path)).to.deep.equal(["addressDivisionCode"]);
    expect(await Promise.all([count("candidates"), count("candidate_photos")])).to.deep.equal(before);
    // The same person with their current county is registered.
    await officer.agent.post("/api/candidates").send(body({ idNumber, addressDivisionCode: "340181" })).expect(201);
  });

  it("when more registrations match than the list holds, then the answer says how many match in all", async () => {
    const surname = `列${Math.random().toString(36).slice(2, 6)}`;
    for (const n of ["甲", "乙", "丙"]) await officer.agent.post("/api/candidates").send(body({ name: `${surname}${n}` })).expect(201);
    const res = await officer.agent.get("/api/candidates").query({ q: surname, limit: 2 }).expect(200);
    expect(res.body.candidates).to.have.length(2);
    expect(res.body.total).to.equal(3);
    // The next page starts after the last shown, with the same filter, and is the last one.
    const rest = await officer.agent.get("/api/candidates").query({ q: surname, limit: 2, before: res.body.next }).expect(200);
    expect(rest.body.candidates).to.have.length(1);
    expect(rest.body.next).to.equal(null);
    const ids = [...res.body.candidates, ...rest.body.candidates].map((c: { id: string }) => c.id);
    expect(new Set(ids).size).to.equal(3);
    const forged = await officer.agent.get("/api/candidates").query({ before: "yesterday" });
    expect(forged.status).to.equal(400);
  });

  it("when the officer types the ID and phone numbers in full width, then the candidate is stored with the plain digits and found by a full-width search", async () => {
    const idNumber = uniqueIdNumber();
    // Before, the phone was refused as 手机号须为 11 位 and a full-width search found nobody.
    const res = await officer.agent
      .post("/api/candidates")
      .send(body({ idNumber: fullWidth(idNumber), phone: fullWidth("13912345678") }))
      .expect(201);
    expect(res.body.candidate).to.include({ idNumber, phone: "13912345678" });
    const found = await officer.agent
      .get("/api/candidates")
      .query({ q: fullWidth(idNumber.slice(0, 10)) })
      .expect(200);
    expect(found.body.candidates.map((c: { id: string }) => c.id)).to.include(res.body.candidate.id);
  });

  it("when a minority name's dot is typed as a bullet, then it is stored with the ID card's dot and found by a search typed either way", async () => {
    const given = `买买提${Array.from({ length: 4 }, () => "甲乙丙丁戊己庚辛壬癸"[Math.floor(Math.random() * 10)]).join("")}`;
    const res = await officer.agent
      .post("/api/candidates")
      .send(body({ name: `${given}•艾力` }))
      .expect(201);
    expect(res.body.candidate.name).to.equal(`${given}\u00b7艾力`);
    for (const q of [`${given}·艾`, `${given} • 艾`, `${given}・艾`]) {
      const found = await officer.agent.get("/api/candidates").query({ q }).expect(200);
      expect(found.body.candidates.map((c: { id: string }) => c.id), q).to.deep.equal([res.body.candidate.id]);
    }
  });

  it("when a name carries an invisible character (a pasted zero-width space, a direction control), then it is refused and nothing is written", async () => {
    const before = await count("candidates");
    for (const name of ["张\u200b伟", "张伟\u202e", "张\u0000伟"]) {
      const res = await officer.agent.post("/api/candidates").send(body({ name })).expect(400);
      expect(res.body.error.code).to.equal("validation_failed");
      expect(res.body.error.message).to.include("不可见字符");
    }
    expect(await count("candidates")).to.equal(before);
  });

  it("when the ID check digit is wrong, then 422 names id_check_digit and nothing is written", async () => {
    const [cand, photos] = [await count("candidates"), await count("candidate_photos")];
    const good = uniqueIdNumber();
    const bad = good.slice(0, 17) + (good[17] === "0" ? "1" : "0");
    const res = await officer.agent.post("/api/candidates").send(body({ idNumber: bad }));
    expect(res.status).to.equal(422);
    expect(res.body.error.code).to.equal("invalid_id_number");
    expect(res.body.error.details.problems.map((p: { code: string }) => p.code)).to.deep.equal([
      "id_check_digit",
    ]);
    expect([await count("candidates"), await count("candidate_photos")]).to.deep.equal([cand, photos]);
  });

  it("when a rule fails, then 422 not_eligible names the rule per category", async () => {
    const res = await officer.agent.post("/api/candidates").send(
      body({
        categories: ["01001", "03001"],
        licenceFirstIssuedOn: "2026-06-01",
        declarations: { noMajorAccident3y: true, hazmatTraining: true },
      }),
    );
    expect(res.status).to.equal(422);
    expect(res.body.error.code).to.equal("not_eligible");
    const byCategory = Object.fromEntries(
      (res.body.error.details.eligibility as { categoryCode: string; failures: { rule: string }[] }[]).map(
        (e) => [e.categoryCode, e.failures.map((f) => f.rule)],
      ),
    );
    expect(byCategory).to.deep.equal({ "01001": ["licence_years"], "03001": ["prerequisite"] });
  });

  it("when the candidate already holds the category, then they are told so", async () => {
    const res = await officer.agent
      .post("/api/candidates")
      .send(body({ heldQualifications: [{ categoryCode: "01001", firstIssuedOn: "2018-01-01" }] }));
    expect(res.status).to.equal(422);
    expect(res.body.error.details.eligibility[0].failures.map((f: { rule: string }) => f.rule)).to.deep.equal(
      ["already_held"],
    );
  });

  it("when the photo's base64 is not canonical (padding missing), then 400 invalid_base64 and nothing is written", async () => {
    const before = [await count("candidates"), await count("candidate_photos")];
    const dataBase64 = unpaddedBase64(Buffer.from(TEST_PHOTO.dataBase64, "base64"));
    const res = await officer.agent
      .post("/api/candidates")
      .send(body({ photo: { mimeType: "image/jpeg", dataBase64 } }));
    expect(res.status).to.equal(400);
    expect(res.body.error.code).to.equal("invalid_base64");
    expect([await count("candidates"), await count("candidate_photos")]).to.deep.equal(before);
  });

  it("when the photo is not what it claims or too large, then 400 with a stable code and nothing is written", async () => {
    const before = [await count("candidates"), await count("candidate_photos")];
    const png = await officer.agent
      .post("/api/candidates")
      .send(body({ photo: { mimeType: "image/png", dataBase64: TEST_PHOTO.dataBase64 } }));
    expect(png.status).to.equal(400);
    expect(png.body.error.code).to.equal("photo_type_mismatch");
    const big = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff]), Buffer.alloc(600 * 1024)]).toString("base64");
    const huge = await officer.agent
      .post("/api/candidates")
      .send(body({ photo: { mimeType: "image/jpeg", dataBase64: big } }));
    expect(huge.status).to.be.oneOf([400, 413]);
    expect([await count("candidates"), await count("candidate_photos")]).to.deep.equal(before);
  });

  it("when the same person is registered twice at once, then one succeeds and no orphan photo is left", async () => {
    const idNumber = uniqueIdNumber();
    const results = await Promise.all(
      [1, 2, 3].map(() => officer.agent.post("/api/candidates").send(body({ idNumber }))),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).to.have.length(1);
    expect(statuses.filter((s) => s === 409)).to.have.length(2);
    // Whether refused by the check or by the unique index, the officer gets the same answer.
    const refusals = results.filter((r) => r.status === 409).map((r) => r.body.error.code);
    expect(refusals).to.deep.equal(["candidate_exists", "candidate_exists"]);
    const photos = await node.ctx.conn.collection("candidate_photos").countDocuments();
    const withPhoto = await node.ctx.conn.collection("candidates").countDocuments({ photoId: { $ne: null } });
    expect(photos).to.equal(withPhoto);
  });

  it("when bodies carry unknown fields or wrong types, then 400 validation_failed", async () => {
    const unknown = await officer.agent.post("/api/candidates").send({ ...body(), role: "admin" });
    expect(unknown.status).to.equal(400);
    expect(unknown.body.error.code).to.equal("validation_failed");
    const wrongType = await officer.agent.post("/api/candidates").send(body({ categories: "01001" }));
    expect(wrongType.body.error.code).to.equal("validation_failed");
  });

  it("when the officer prechecks while typing, then ID problems and eligibility come back without writing", async () => {
    const before = await count("candidates");
    const res = await officer.agent
      .post("/api/candidates/precheck")
      .send({
        idNumber: makeIdNumber("320102", "1950-01-01", 11),
        categories: ["01001"],
        licenceClass: "C1",
        licenceFirstIssuedOn: "2000-01-01",
      })
      .expect(200);
    expect(res.body.idNumber).to.include({ ok: true, birthDate: "1950-01-01", sex: "male" });
    expect(res.body.eligibility[0].failures.map((f: { rule: string }) => f.rule)).to.deep.equal([
      "max_age",
      "licence_class",
      "declaration:noMajorAccident3y",
    ]);
    expect(await count("candidates")).to.equal(before);
  });

  it("when an officer of another city prechecks a registered ID number, then the answer is the same as for a free one", async () => {
    const c = (await officer.agent.post("/api/candidates").send(body()).expect(201)).body.candidate;
    const suzhou = await staffAgent(node, { roles: ["officer"], divisionCode: "320500" });
    const precheck = async (agent: AuthedAgent, idNumber: string) =>
      (await agent.agent.post("/api/candidates/precheck").send({ idNumber }).expect(200)).body;
    const free = await precheck(suzhou, uniqueIdNumber());
    const elsewhere = await precheck(suzhou, c.idNumber);
    expect(elsewhere.existingCandidateId).to.equal(null);
    expect(Object.keys(elsewhere).sort()).to.deep.equal(Object.keys(free).sort());
    expect(elsewhere.idNumber.ok).to.equal(free.idNumber.ok);
    // The registering city still learns of its own candidate.
    expect((await precheck(officer, c.idNumber)).existingCandidateId).to.equal(c.id);
  });

  it("when an officer of another city registers an ID number registered here, then it is refused without saying it is registered", async () => {
    const c = (await officer.agent.post("/api/candidates").send(body()).expect(201)).body.candidate;
    const suzhou = await staffAgent(node, { roles: ["officer"], divisionCode: "320500" });
    const before = [await count("candidates"), await count("candidate_photos")];
    const res = await suzhou.agent
      .post("/api/candidates")
      .send(body({ idNumber: c.idNumber }))
      .expect(409);
    expect(res.body.error).to.deep.equal({
      code: "id_number_unavailable",
      message: "该身份证号码无法在本辖区登记，请联系省级管理部门",
    });
    expect([await count("candidates"), await count("candidate_photos")]).to.deep.equal(before);
    // Officers who can see the registration (its city, the province) are told plainly.
    const province = await staffAgent(node, { roles: ["officer"], divisionCode: "320000" });
    for (const inScope of [officer, province]) {
      const again = await inScope.agent
        .post("/api/candidates")
        .send(body({ idNumber: c.idNumber }))
        .expect(409);
      expect(again.body.error).to.deep.include({
        code: "candidate_exists",
        message: "该身份证号码已报名；报考其他类别请在考生名单中使用“报考新类别”",
      });
      expect(again.body.error.details).to.deep.equal({ candidateId: c.id });
    }
  });

  it("when two cities register one ID number at once, then one succeeds and the other gets the neutral refusal", async () => {
    const suzhou = await staffAgent(node, { roles: ["officer"], divisionCode: "320500" });
    const idNumber = uniqueIdNumber();
    const answers = await Promise.all(
      [officer, suzhou].map((o) => o.agent.post("/api/candidates").send(body({ idNumber }))),
    );
    expect(answers.map((a) => a.status).sort()).to.deep.equal([201, 409]);
    expect(answers.find((a) => a.status === 409)?.body.error.code).to.equal("id_number_unavailable");
    expect(await node.ctx.conn.collection("candidates").countDocuments({ idNumber })).to.equal(1);
  });

  it("when an officer of another city lists or reads, then the candidate is invisible", async () => {
    const c = (await officer.agent.post("/api/candidates").send(body()).expect(201)).body.candidate;
    const suzhou = await staffAgent(node, { roles: ["officer"], divisionCode: "320500" });
    const list = await suzhou.agent.get("/api/candidates").expect(200);
    expect(list.body.candidates.map((x: { id: string }) => x.id)).to.not.include(c.id);
    await suzhou.agent.get(`/api/candidates/${c.id}`).expect(404);
    const province = await staffAgent(node, { roles: ["officer"], divisionCode: "320000" });
    await province.agent.get(`/api/candidates/${c.id}`).expect(200);
  });
});
