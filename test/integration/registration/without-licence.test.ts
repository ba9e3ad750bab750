import { expect } from "chai";
import { TEST_PHOTO, uniqueIdNumber, useStaffAgent } from "../../helpers/auth.js";
import { useTestNode } from "../../helpers/node.js";
import { aRow, codesByLine, confirm, csvFile, upload } from "./import-support.js";

/**
 * 装卸管理人员 (03002) and 押运人员 (03003) do not drive: their applicants may have no driving
 * licence, the driver categories still need one, and a licence is recorded whole or not at all.
 */
describe("registration: applicants who do not drive", () => {
  const env = useTestNode();
  const officer = useStaffAgent(env, { roles: ["officer"], divisionCode: "320100" });

  const count = (c: string, filter: Record<string, unknown> = {}) =>
    env.node.ctx.conn.collection(c).countDocuments(filter);

  /** An escort applicant (押运人员) in 南京 with no licence fields at all. */
  function anEscort(overrides: Record<string, unknown> = {}) {
    return {
      name: "钱押运",
      idNumber: uniqueIdNumber(),
      phone: "13912345678",
      addressDivisionCode: "320102",
      education: "junior_middle",
      categories: ["03003"],
      declarations: { hazmatTraining: true },
      photo: TEST_PHOTO,
      ...overrides,
    };
  }

  it("when an escort applicant has no driving licence, then they are registered, and the candidate reads and lists with no licence", async () => {
    const body = anEscort();
    const res = await officer.agent.post("/api/candidates").send(body).expect(201);
    expect(res.body.candidate).to.include({ licenceClass: null, licenceFirstIssuedOn: null });
    const stored = await env.node.ctx.conn.collection("candidates").findOne({ idNumber: body.idNumber });
    expect(stored).not.to.have.any.keys("licenceClass", "licenceFirstIssuedOn");
    const listed = await officer.agent.get("/api/candidates").query({ q: body.idNumber }).expect(200);
    expect(listed.body.candidates).to.have.length(1);
    expect(listed.body.candidates[0]).to.include({ licenceClass: null, licenceFirstIssuedOn: null });
  });

  it("when an applicant without a licence also applies for a driver category, then 422 not_eligible names the licence for that category only and nothing is written", async () => {
    const [candidates, photos] = [await count("candidates"), await count("candidate_photos")];
    const res = await officer.agent
      .post("/api/candidates")
      .send(anEscort({ categories: ["03003", "02001"], education: "senior_middle" }));
    expect(res.status).to.equal(422);
    expect(res.body.error.code).to.equal("not_eligible");
    const failures = Object.fromEntries(
      (res.body.error.details.eligibility as { categoryCode: string; failures: { rule: string }[] }[]).map(
        (e) => [e.categoryCode, e.failures.map((f) => f.rule)],
      ),
    );
    expect(failures).to.deep.equal({ "03003": [], "02001": ["licence_class"] });
    expect([await count("candidates"), await count("candidate_photos")]).to.deep.equal([candidates, photos]);
  });

  it("when half a licence is given (a class without its date, or a date without its class), then 400 names the missing half and nothing is written", async () => {
    const [candidates, photos] = [await count("candidates"), await count("candidate_photos")];
    const classOnly = await officer.agent.post("/api/candidates").send(anEscort({ licenceClass: "B2" }));
    expect(classOnly.status).to.equal(400);
    expect(classOnly.body.error.code).to.equal("validation_failed");
    expect(JSON.stringify(classOnly.body.error)).to.contain("licenceFirstIssuedOn");
    expect(classOnly.body.error.message).to.contain("驾驶证初领日期");
    const dateOnly = await officer.agent
      .post("/api/candidates")
      .send(anEscort({ licenceFirstIssuedOn: "2012-05-01" }));
    expect(dateOnly.status).to.equal(400);
    expect(JSON.stringify(dateOnly.body.error)).to.contain("licenceClass");
    expect(dateOnly.body.error.message).to.contain("准驾车型");
    expect([await count("candidates"), await count("candidate_photos")]).to.deep.equal([candidates, photos]);
  });

  it("when an escort with a licence registers, then the licence is kept (a person who does not need one may still hold one)", async () => {
    const body = anEscort({ licenceClass: "C1", licenceFirstIssuedOn: "2015-03-01" });
    const res = await officer.agent.post("/api/candidates").send(body).expect(201);
    expect(res.body.candidate).to.include({ licenceClass: "C1", licenceFirstIssuedOn: "2015-03-01" });
  });

  it("when an import leaves the licence out, then an escort row is registered without one, a freight row is refused not_eligible, and half a licence is refused naming the missing column", async () => {
    const noLicence = { 准驾车型: "", 驾驶证初领日期: "" };
    const rows = [
      aRow({ 姓名: "孙押运", ...noLicence, 报考类别: "道路危险货物运输押运人员", 已受危险货物培训: "是" }),
      aRow({ 姓名: "李货运", ...noLicence, 报考类别: "经营性道路货物运输驾驶员" }),
      aRow({
        姓名: "周半证",
        驾驶证初领日期: "",
        报考类别: "道路危险货物运输押运人员",
        已受危险货物培训: "是",
      }),
      aRow({ 姓名: "吴半证", 准驾车型: "", 报考类别: "道路危险货物运输押运人员", 已受危险货物培训: "是" }),
    ];
    const before = await count("candidates");
    const preview = await upload(officer, "押运.csv", csvFile(rows)).expect(200);
    expect(codesByLine(preview.body)).to.deep.equal({
      2: [],
      3: ["not_eligible"],
      4: ["missing_field"],
      5: ["missing_field"],
    });
    const messages = (preview.body.rows as { problems: { message: string }[] }[]).map((r) =>
      r.problems.map((p) => p.message).join(""),
    );
    expect(messages[1]).to.contain("缺少准驾车型");
    expect(messages[2]).to.contain("驾驶证初领日期");
    expect(messages[3]).to.contain("准驾车型");

    // Only the escort row goes in: a file with refused rows is refused whole, so upload it alone.
    const clean = await upload(officer, "押运-1.csv", csvFile([rows[0]!])).expect(200);
    expect(clean.body).to.include({ accepted: 1, refused: 0 });
    await confirm(officer, clean.body.importId).expect(201);
    expect(await count("candidates")).to.equal(before + 1);
    const stored = await env.node.ctx.conn.collection("candidates").findOne({ name: "孙押运" });
    expect(stored?.categories).to.deep.equal(["03003"]);
    expect(stored).not.to.have.any.keys("licenceClass", "licenceFirstIssuedOn");
  });
});
