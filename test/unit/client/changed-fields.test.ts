import { expect } from "chai";
import { changedFields } from "../../../client/src/shared/changed-fields.js";

describe("an edit form's change: only what the user changed is sent", () => {
  const current = { name: "第一考场", seats: 30, note: "" };

  it("when some fields differ, then only those are returned, with the edited values", () => {
    expect(changedFields(current, { name: "第一考场", seats: 40, note: "东楼" })).to.deep.equal({
      seats: 40,
      note: "东楼",
    });
  });

  it("when nothing differs, then null is returned (nothing is sent)", () => {
    expect(changedFields(current, { ...current })).to.equal(null);
  });

  it("when the edited form carries fields the record does not compare, then they are not sent", () => {
    const edited = { ...current, seats: 31, draft: true };
    expect(changedFields(current, edited)).to.deep.equal({ seats: 31 });
  });
});
