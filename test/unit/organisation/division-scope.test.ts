import { expect } from "chai";
import {
  canSeeDivision,
  DIVISIONS,
  divisionLevel,
  parentOf,
  provinceOf,
} from "../../../server/organisation/index.js";

describe("divisions and scoping", () => {
  it("when the data file is read, then it has 31 provinces plus the 兵团 660000, and 江苏's 13 cities", () => {
    const provinces = DIVISIONS.filter((d) => divisionLevel(d.code) === "province");
    expect(provinces).to.have.length(32);
    expect(provinces.some((p) => p.code === "660000" && p.name === "新疆生产建设兵团")).to.equal(true);
    expect(
      DIVISIONS.filter((d) => divisionLevel(d.code) === "city" && provinceOf(d.code) === "320000"),
    ).to.have.length(13);
    expect(new Set(DIVISIONS.map((d) => d.code)).size).to.equal(DIVISIONS.length);
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
});
