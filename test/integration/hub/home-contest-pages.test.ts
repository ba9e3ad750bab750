import { expect } from "chai";
import type { HomeContestListDto } from "../../../server/contracts/hub.js";
import { useTestDatabase } from "../../helpers/database.js";
import {
  aCancelledCertificateRecord,
  aCertificateRecord,
  aNewIdNumber,
  useHubWithProvinces,
  type RegisteredProvince,
} from "./support.js";

/**
 * The operator's contest list answers a page as every cursor list does (`{contests, total, next}`,
 * useCursorList): the page made its cursor from a full page's last row, so exactly fifty contests
 * offered 加载更多 and it loaded nothing.
 */
describe("hub: the home contest list's pages", function () {
  this.timeout(120_000);
  const provinceDb = useTestDatabase("hub_home_contest_pages");
  const net = useHubWithProvinces(provinceDb, { jiangsu: "320000", guangdong: "440000", hainan: "460000" });

  /** `count` contests raised by `claimant` in one batch (江苏, the home, holds only cancelled certificates). */
  async function contests(claimant: RegisteredProvince, code: string, count: number): Promise<string[]> {
    const people = Array.from({ length: count }, () => aNewIdNumber());
    await net.publish(
      net.jiangsu,
      people.map((idNumber) => aCancelledCertificateRecord({ province: "320000", idNumber, name: "周滞留" })),
    );
    const refused = await net.publish(
      claimant,
      people.map((idNumber) => ({
        ...aCertificateRecord({ province: code, idNumber, name: "周滞留" }),
        issuingDivision: code,
        recordId: `c:${idNumber}`,
      })),
    );
    expect(refused.filter((r) => r.reasons[0]?.code === "home_contested")).to.have.length(count);
    return people;
  }
  const list = async (query: string): Promise<HomeContestListDto> => {
    const res = await net.operator.agent.get(`/api/hub/home-contests?${query}`);
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    return res.body as HomeContestListDto;
  };

  it("when exactly a page of contests is open (50), then the first page holds them all, total 50 and no next page", async () => {
    const people = await contests(net.hainan, "460000", 50);
    const page = await list("claimant=460000");
    expect(page.contests.map((c) => c.idNumber).sort()).to.deep.equal([...people].sort());
    expect([page.total, page.next]).to.deep.equal([50, null]);
  });

  it("when one contest more than a page is open (51), then the first page holds 50 with total 51 and a next page, which holds the last one alone", async () => {
    const people = await contests(net.guangdong, "440000", 51);
    const first = await list("claimant=440000");
    expect([first.contests.length, first.total]).to.deep.equal([50, 51]);
    expect(first.next).to.be.a("string");
    const second = await list(`claimant=440000&before=${encodeURIComponent(first.next!)}`);
    expect([second.contests.length, second.total, second.next]).to.deep.equal([1, 51, null]);
    const seen = [...first.contests, ...second.contests].map((c) => c.idNumber);
    expect(seen.sort()).to.deep.equal([...people].sort());
  });

  it("when the cursor is not one the list gave, then the list is refused validation_failed", async () => {
    for (const before of ["yesterday", "2026-01-01T00:00:00.000Z~not-a-contest"]) {
      const res = await net.operator.agent.get(`/api/hub/home-contests?before=${encodeURIComponent(before)}`);
      expect([res.status, res.body.error?.code]).to.deep.equal([400, "validation_failed"]);
    }
  });
});
