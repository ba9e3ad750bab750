import { expect } from "chai";
import { fieldLabel } from "../../../server/contracts/validation.js";
import { categoryName } from "../../../client/src/shared/category-name.js";
import { provinceName } from "../../../client/src/shared/provinces.js";

describe("codes shown by name, and only by the tables' own names", () => {
  it("when a code is known, then its name is shown", () => {
    expect(provinceName("320000")).to.equal("江苏省");
    expect(categoryName("01001")).to.equal("经营性道路旅客运输驾驶员");
    expect(fieldLabel(["limit"])).to.equal("每页条数");
  });

  it("when a code is a name every object inherits (constructor, toString, __proto__), then it is shown as written", () => {
    for (const code of ["constructor", "toString", "__proto__", "hasOwnProperty"]) {
      expect(provinceName(code), code).to.equal(code);
      expect(categoryName(code), code).to.equal(code);
      expect(fieldLabel([code]), code).to.equal(code);
    }
  });
});
