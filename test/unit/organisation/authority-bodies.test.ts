import { expect } from "chai";
import { CreateAuthorityBody, UpdateAuthorityBody } from "../../../server/contracts/organisation.js";
import { INVISIBLE_REFUSED } from "../../../server/contracts/validation.js";

/** An authority's phone is printed and sent to the hub like its name: what is stored is what shows. */
describe("authority request bodies", () => {
  it("when an authority's phone holds a zero-width space or a bidirectional override, then it is refused saying why, on create and on update", () => {
    for (const phone of ["010-\u200b12345678", "\u202e87654321-010"]) {
      const created = CreateAuthorityBody.safeParse({
        name: "北京市公安局交通管理局",
        divisionCode: "110000",
        phone,
      });
      expect(created.success, phone).to.equal(false);
      expect(created.error?.issues[0]?.message).to.equal(INVISIBLE_REFUSED);
      const updated = UpdateAuthorityBody.safeParse({ phone });
      expect(updated.success, phone).to.equal(false);
      expect(updated.error?.issues[0]?.message).to.equal(INVISIBLE_REFUSED);
    }
  });

  it("when an authority's phone is typed with full-width digits or blanks around it, then it is kept as plain digits, trimmed; over 32 characters is refused", () => {
    const body = { name: "北京市公安局交通管理局", divisionCode: "110000" };
    expect(CreateAuthorityBody.parse({ ...body, phone: " ０１０-６８３９７１１４ " }).phone).to.equal(
      "010-68397114",
    );
    expect(UpdateAuthorityBody.parse({ phone: null }).phone).to.equal(null);
    expect(CreateAuthorityBody.safeParse({ ...body, phone: "1".repeat(33) }).success).to.equal(false);
  });
});
