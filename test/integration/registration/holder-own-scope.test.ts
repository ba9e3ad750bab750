import { expect } from "chai";
import { registerTestCandidate, TEST_PHOTO, type AuthedAgent } from "../../helpers/auth.js";
import { aHolderCertifiedYearsAgo, useNodeWithOldKeys } from "./fixtures-holders.js";
import { aRow, confirm, csvFile, upload } from "./import-support.js";

/**
 * A certificate's division is the exam session's room (a city's session certifies a county's
 * candidate), not the office that registered its holder: the holder's own registration decides
 * whose certificate it is to read. A county officer reads their own candidate's certificate from a
 * city-run session (报考新类别, registering again, importing); another city's officer still learns
 * nothing of it, and a holder registered elsewhere is refused alike whatever the data.
 */
describe("registration: certificates of the officer's own candidates from another division's session", function () {
  this.timeout(120_000);
  const scope = useNodeWithOldKeys({ qinhuai: "320104", suzhou: "320500" });

  /** A freight driver registered in 秦淮区, certified three years ago at a 南京 (city) session. */
  async function aCountyHolder(): Promise<{ id: string; idNumber: string }> {
    const pass = await aHolderCertifiedYearsAgo(scope.node, { divisionCode: "320104" });
    return { id: pass.candidateId, idNumber: pass.idNumber };
  }

  const withdraw = (who: AuthedAgent, id: string) =>
    who.agent.post(`/api/candidates/${id}/withdraw`).send({ reason: "本人申请撤销" }).expect(200);

  const registration = (idNumber: string, divisionCode: string, overrides: Record<string, unknown> = {}) => ({
    name: "王持证",
    idNumber,
    phone: "13912345678",
    addressDivisionCode: "320104",
    education: "senior_middle",
    licenceClass: "A1",
    licenceFirstIssuedOn: "2012-05-01",
    categories: ["03001"],
    declarations: { noMajorAccident3y: true, hazmatTraining: true },
    divisionCode,
    photo: TEST_PHOTO,
    ...overrides,
  });

  it("when a county officer adds the dangerous-goods category for their candidate certified at a city session, then the certificate counts as the prerequisite", async () => {
    const holder = await aCountyHolder();
    const res = await scope.qinhuai.agent
      .post(`/api/candidates/${holder.id}/categories`)
      .send({ categories: ["03001"], declarations: { noMajorAccident3y: true, hazmatTraining: true } });
    expect([res.status, res.body.error?.code]).to.deep.equal([200, undefined]);
    expect(res.body.candidate.categories).to.include("03001");
  });

  it("when a county officer registers again their withdrawn candidate certified at a city session, then the registration reopens with the certificate read", async () => {
    const holder = await aCountyHolder();
    await withdraw(scope.qinhuai, holder.id);
    const res = await scope.qinhuai.agent
      .post("/api/candidates")
      .send(registration(holder.idNumber, "320104"));
    expect([res.status, res.body.error?.code]).to.deep.equal([201, undefined]);
    expect(res.body.candidate.id).to.equal(holder.id);
  });

  it("when a county officer imports their withdrawn candidate certified at a city session, then the row reopens the registration", async () => {
    const holder = await aCountyHolder();
    await withdraw(scope.qinhuai, holder.id);
    const row = aRow({
      身份证号: holder.idNumber,
      住址行政区划代码: "320104",
      报考类别: "道路危险货物运输驾驶员",
      已受危险货物培训: "是",
    });
    const preview = await upload(scope.qinhuai, "持证人.csv", csvFile([row])).expect(200);
    const problems = (preview.body.rows as { problems: { code: string }[] }[]).map((r) =>
      r.problems.map((p) => p.code),
    );
    expect(problems).to.deep.equal([[]]);
    await confirm(scope.qinhuai, preview.body.importId).expect(201);
    const c = await scope.node.ctx.conn.collection("candidates").findOne({ idNumber: holder.idNumber });
    expect([c?._id.toString(), c?.withdrawnAt ?? null, c?.categories]).to.deep.equal([
      holder.id,
      null,
      ["03001"],
    ]);
  });

  it("when another city's officer registers, with data no rule admits, a person registered elsewhere and a holder certified elsewhere, then both are refused alike id_number_unavailable", async () => {
    const registered = await registerTestCandidate(scope.node, {
      divisionCode: "320104",
      categories: ["02001"],
    });
    const certifiedOnly = await aCountyHolder();
    await scope.node.ctx.conn.collection("candidates").deleteOne({ idNumber: certifiedOnly.idNumber });
    // 03001 without a prerequisite another city's officer may see: no rule admits it.
    const answers = [];
    for (const h of [registered, certifiedOnly]) {
      const res = await scope.suzhou.agent
        .post("/api/candidates")
        .send(registration(h.idNumber, "320500", { addressDivisionCode: "320508" }));
      answers.push([res.status, res.body.error?.code, res.body.error?.details ?? null]);
    }
    expect(answers).to.deep.equal([
      [409, "id_number_unavailable", null],
      [409, "id_number_unavailable", null],
    ]);
  });
});
