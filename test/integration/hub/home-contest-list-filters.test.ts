import { expect } from "chai";
import type { HomeContestListDto, QualificationRecord } from "../../../server/contracts/hub.js";
import { useTestDatabase } from "../../helpers/database.js";
import {
  aCertificateRecord,
  aNewIdNumber,
  useHubWithProvinces,
  type RegisteredProvince,
  aCancelledCertificateRecord,
} from "./support.js";

/**
 * The operator's contest list finds one claimant's or one person's contests, and pages back by the
 * cursor each page answers (`next` → `before`): fifty newest alone hid every older open contest.
 */
describe("hub: the home contest list's filters and cursor", function () {
  this.timeout(60_000);
  const provinceDb = useTestDatabase("hub_home_contest_list");
  const net = useHubWithProvinces(provinceDb, { jiangsu: "320000", guangdong: "440000", hainan: "460000" });
  const aCancelledCertificate = (idNumber: string): QualificationRecord =>
    aCancelledCertificateRecord({ province: "320000", idNumber, name: "周滞留" });
  async function aContest(claimant: RegisteredProvince, code: string): Promise<string> {
    const idNumber = aNewIdNumber();
    await net.publish(net.jiangsu, [aCancelledCertificate(idNumber)]);
    const [refused] = await net.publish(claimant, [
      {
        ...aCertificateRecord({ province: code, idNumber, name: "周滞留" }),
        issuingDivision: code,
        recordId: `c:${idNumber}`,
      },
    ]);
    expect(refused?.reasons[0]?.code).to.equal("home_contested");
    return idNumber;
  }
  const list = async (query: string) => {
    const res = await net.operator.agent.get(`/api/hub/home-contests?${query}`);
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    return res.body as HomeContestListDto;
  };

  it("when the operator filters by claimant or ID number, then only those contests are listed", async () => {
    const a = await aContest(net.guangdong, "440000");
    const b = await aContest(net.hainan, "460000");
    const byClaimant = (await list("claimant=460000")).contests;
    expect(byClaimant.map((c) => c.idNumber))
      .to.include(b)
      .and.not.include(a);
    expect(byClaimant.every((c) => c.claimant === "460000")).to.equal(true);
    expect((await list(`idNumber=${a}`)).contests.map((c) => c.idNumber)).to.deep.equal([a]);
  });

  it("when the operator pages with the cursor a page answered, then the next page holds the older contests only", async () => {
    const older = await aContest(net.guangdong, "440000");
    const newer = await aContest(net.guangdong, "440000");
    const first = await list("claimant=440000&limit=1");
    expect(first.contests.map((c) => c.idNumber)).to.deep.equal([newer]);
    const next = await list(`claimant=440000&limit=1&before=${encodeURIComponent(first.next ?? "")}`);
    expect(next.contests.map((c) => c.idNumber)).to.deep.equal([older]);
  });

  it("when one batch raised several contests (one refusal time), then paging with the cursors lists each once", async () => {
    const people = [aNewIdNumber(), aNewIdNumber(), aNewIdNumber()];
    await net.publish(net.jiangsu, people.map(aCancelledCertificate));
    const refused = await net.publish(
      net.hainan,
      people.map((idNumber) => ({
        ...aCertificateRecord({ province: "460000", idNumber, name: "周滞留" }),
        issuingDivision: "460000",
        recordId: `hn:${idNumber}`,
      })),
    );
    expect(refused.map((r) => r.reasons[0]?.code)).to.deep.equal(Array(3).fill("home_contested"));
    const seen: string[] = [];
    let query = "claimant=460000&limit=1";
    for (let page = 0; page < 5; page++) {
      const { contests, next } = await list(query);
      seen.push(...contests.map((c) => c.idNumber));
      if (!next) break;
      query = `claimant=460000&limit=1&before=${encodeURIComponent(next)}`;
    }
    expect(seen.filter((id) => people.includes(id)).sort()).to.deep.equal([...people].sort());
    expect(new Set(seen).size).to.equal(seen.length);
  });

  it("when the cursor is a time alone, not one a page answered, then the list is refused validation_failed", async () => {
    const res = await net.operator.agent.get(
      `/api/hub/home-contests?before=${encodeURIComponent("2026-01-01T00:00:00.000Z")}`,
    );
    expect([res.status, res.body.error?.code]).to.deep.equal([400, "validation_failed"]);
  });

  it("when the former time and id parameters are sent, then the list is refused validation_failed", async () => {
    const res = await net.operator.agent.get(
      "/api/hub/home-contests?beforeLastAt=2026-01-01T00%3A00%3A00.000Z&beforeContestId=00000000-0000-4000-8000-000000000000",
    );
    expect([res.status, res.body.error?.code]).to.deep.equal([400, "validation_failed"]);
  });
});
