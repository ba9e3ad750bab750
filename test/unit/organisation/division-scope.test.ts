import { expect } from "chai";
import { canSeeDivision, divisionLevel, provinceOf } from "../../../server/access/index.js";
import { DIVISIONS, divisionFullName, parentOf } from "../../../server/organisation/index.js";

describe("divisions and scoping", () => {
  it("when the list is read, then it has all 34 province-level divisions plus the 兵团 660000, 江苏's 13 cities and 南京's 11 districts", () => {
    const provinces = DIVISIONS.filter((d) => divisionLevel(d.code) === "province");
    expect(provinces).to.have.length(35);
    expect(provinces.some((p) => p.code === "660000" && p.name === "新疆生产建设兵团")).to.equal(true);
    expect(
      DIVISIONS.filter((d) => divisionLevel(d.code) === "city" && provinceOf(d.code) === "320000"),
    ).to.have.length(13);
    const nanjing = DIVISIONS.filter((d) => divisionLevel(d.code) === "county" && d.code.startsWith("3201"));
    expect(nanjing.map((d) => d.name)).to.include.members(["玄武区", "江宁区", "六合区", "溧水区", "高淳区"]);
    expect(nanjing).to.have.length(11);
    expect(new Set(DIVISIONS.map((d) => d.code)).size).to.equal(DIVISIONS.length);
    // Well over 2,800 counties: the complete list, not a sample.
    expect(DIVISIONS.filter((d) => divisionLevel(d.code) === "county").length).to.be.greaterThan(2800);
  });

  it("when a division is listed, then its parent is listed too (municipal districts under 市辖区 or 县), and no placeholder 市辖区 county is", () => {
    const codes = new Set(DIVISIONS.map((d) => d.code));
    const orphans = DIVISIONS.filter((d) => {
      const parent = parentOf(d.code);
      return parent !== null && parent !== "000000" && !codes.has(parent);
    });
    expect(orphans).to.deep.equal([]);
    expect(DIVISIONS.find((d) => d.code === "110100")?.name).to.equal("北京市（市辖区）");
    expect(DIVISIONS.find((d) => d.code === "500200")?.name).to.equal("重庆市（县）");
    // GB/T 2260's group entries: a province's directly administered counties, an autonomous region's.
    expect(DIVISIONS.find((d) => d.code === "429000")?.name).to.equal("省直辖县级行政区划");
    expect(DIVISIONS.find((d) => d.code === "469000")?.name).to.equal("省直辖县级行政区划");
    expect(DIVISIONS.find((d) => d.code === "659000")?.name).to.equal("自治区直辖县级行政区划");
    expect(DIVISIONS.some((d) => divisionLevel(d.code) === "county" && d.name === "市辖区")).to.equal(false);
  });

  it("when a code is a county, then its parent is its city and the city's parent its province", () => {
    expect(parentOf("320505")).to.equal("320500");
    expect(parentOf("320500")).to.equal("320000");
    expect(parentOf("110105")).to.equal("110100");
  });

  it("when a province officer looks, then the whole province and nothing else is visible", () => {
    expect(canSeeDivision("320000", "320505")).to.equal(true);
    expect(canSeeDivision("320000", "320100")).to.equal(true);
    expect(canSeeDivision("320000", "110105")).to.equal(false);
  });

  it("when a city officer looks, then the city and its counties are visible but not a sibling city or the province", () => {
    expect(canSeeDivision("320500", "320505")).to.equal(true);
    expect(canSeeDivision("320500", "320500")).to.equal(true);
    expect(canSeeDivision("320500", "320102")).to.equal(false);
    expect(canSeeDivision("320500", "320000")).to.equal(false);
  });

  it("when a county officer looks, then only that county is visible", () => {
    expect(canSeeDivision("320505", "320505")).to.equal(true);
    expect(canSeeDivision("320505", "320506")).to.equal(false);
  });

  it("when a division is printed for a person or an authority, then its full name names the province and city, skipping levels the list lacks", () => {
    expect(divisionFullName("320302")).to.equal("江苏省徐州市鼓楼区");
    expect(divisionFullName("320106")).to.equal("江苏省南京市鼓楼区");
    expect(divisionFullName("320100")).to.equal("江苏省南京市");
    expect(divisionFullName("320000")).to.equal("江苏省");
    // Municipalities list their districts under the province; 济源 has no city above it.
    expect(divisionFullName("110101")).to.equal("北京市东城区");
    expect(divisionFullName("419001")).to.equal("河南省济源市");
    expect(divisionFullName("342600")).to.equal(null);
  });
});
