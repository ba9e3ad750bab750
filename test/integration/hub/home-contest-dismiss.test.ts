import { expect } from "chai";
import type {
  HomeContestDto,
  HomeContestListDto,
  QualificationRecord,
} from "../../../server/contracts/hub.js";
import { useTestDatabase } from "../../helpers/database.js";
import {
  aCancelledCertificateRecord,
  aCertificateRecord,
  aNewIdNumber,
  useHubWithProvinces,
} from "./support.js";

/**
 * The operator may find the home right after all (the claimant's record is the mistake, or the home
 * renewed the person meanwhile and the contest waits for a re-send that will never come): the
 * contest is dismissed with a reason, audited, and the home stays. Only an open contest is decided.
 */
describe("hub: dismissing a contested home", function () {
  this.timeout(60_000);
  const provinceDb = useTestDatabase("hub_home_contest_dismiss");
  const net = useHubWithProvinces(provinceDb, { jiangsu: "320000", guangdong: "440000" });
  const { pointer } = net;
  const audits = () => net.hub.node.ctx.conn.collection("audit_log");

  const guangdongs = (idNumber: string): QualificationRecord => ({
    ...aCertificateRecord({ province: "440000", idNumber, name: "周滞留" }),
    issuingDivision: "440000",
    recordId: `gd-cert:${idNumber}`,
  });
  async function aContest(): Promise<HomeContestDto> {
    const idNumber = aNewIdNumber();
    await net.publish(net.jiangsu, [
      aCancelledCertificateRecord({ province: "320000", idNumber, name: "周滞留" }),
    ]);
    const [refused] = await net.publish(net.guangdong, [guangdongs(idNumber)]);
    expect(refused?.reasons[0]?.code).to.equal("home_contested");
    const contest = (await list("state=open")).find((c) => c.idNumber === idNumber);
    if (!contest) throw new Error("the contest is not listed");
    return contest;
  }
  const list = async (query: string) => {
    const res = await net.operator.agent.get(`/api/hub/home-contests?${query}`);
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    return (res.body as HomeContestListDto).contests;
  };
  const dismiss = (contestId: string, body: unknown) =>
    net.operator.agent.post(`/api/hub/home-contests/${contestId}/dismiss`).send(body as object);
  const reason = "广东省记录的身份证号码录入有误，江苏省为其主管省份";

  it("when the operator dismisses an open contest with a reason, then it is listed as dismissed, the home stays and one audit entry says why", async () => {
    const contest = await aContest();
    const res = await dismiss(contest.contestId, { reason });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(res.body).to.include({ contestId: contest.contestId, state: "dismissed", reason, stale: false });
    expect(res.body.resolvedBy).to.be.a("string").and.not.equal("");
    expect(await pointer(contest.idNumber)).to.include({ homeProvince: "320000" });

    expect((await list("state=open")).map((c) => c.contestId)).to.not.include(contest.contestId);
    expect((await list("state=reassigned")).map((c) => c.contestId)).to.not.include(contest.contestId);
    expect((await list("state=dismissed")).find((c) => c.contestId === contest.contestId)).to.include({
      state: "dismissed",
      reason,
    });
    const entries = await audits()
      .find({ action: "hub.home_contest_dismissed", "target.id": contest.idNumber })
      .toArray();
    expect(entries).to.have.length(1);
    expect(entries[0]?.details).to.deep.equal({
      contestId: contest.contestId,
      keptProvince: "320000",
      claimant: "440000",
      reason,
    });
  });

  it("when the dismissal has no reason, a blank one or an unknown key, then it is refused 400 and the contest stays open", async () => {
    const contest = await aContest();
    for (const body of [{}, { reason: "  " }, { reason, keep: true }, { reason: "x".repeat(501) }]) {
      const res = await dismiss(contest.contestId, body);
      expect(res.status, JSON.stringify(body)).to.equal(400);
    }
    expect((await list("state=open")).map((c) => c.contestId)).to.include(contest.contestId);
  });

  it("when a contest was already decided, then dismissing or reassigning it again is refused contest_closed and nothing more is audited", async () => {
    const contest = await aContest();
    expect((await dismiss(contest.contestId, { reason })).status).to.equal(200);
    const again = await dismiss(contest.contestId, { reason: "再次驳回" });
    expect(again.status).to.equal(409);
    expect(again.body.error?.code).to.equal("contest_closed");
    const reassign = await net.operator.agent
      .post(`/api/hub/home-contests/${contest.contestId}/reassign`)
      .send({ reason: "改定" });
    expect(reassign.body.error?.code).to.equal("contest_closed");
    expect(await pointer(contest.idNumber)).to.include({ homeProvince: "320000" });
    expect(await audits().countDocuments({ "target.id": contest.idNumber, action: /^hub\.home/ })).to.equal(
      1,
    );

    const reassigned = await aContest();
    const moved = await net.operator.agent
      .post(`/api/hub/home-contests/${reassigned.contestId}/reassign`)
      .send({ reason: "改定" });
    expect(moved.status).to.equal(200);
    const late = await dismiss(reassigned.contestId, { reason });
    expect(late.status).to.equal(409);
    expect(late.body.error?.code).to.equal("contest_closed");
  });

  it("when the contest is unknown, then the dismissal is refused contest_not_found", async () => {
    const res = await dismiss("00000000-0000-4000-8000-000000000000", { reason });
    expect(res.status).to.equal(404);
    expect(res.body.error?.code).to.equal("contest_not_found");
  });

  it("when the home renewed the person after the contest (stale), then the operator may still dismiss it", async () => {
    const contest = await aContest();
    await net.publish(net.jiangsu, [
      {
        ...aCertificateRecord({ province: "320000", idNumber: contest.idNumber, name: "周滞留" }),
        recordId: `renewed:${contest.idNumber}`,
      },
    ]);
    expect((await list("state=open")).find((c) => c.contestId === contest.contestId)).to.include({
      stale: true,
    });
    const res = await dismiss(contest.contestId, { reason: "江苏省已换发有效证件" });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(res.body).to.include({ state: "dismissed", stale: false });
  });
});
