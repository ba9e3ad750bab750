import { expect } from "chai";
import { withFreeStatusIndex } from "../../../server/certificates/record.js";

/** The error MongoDB answers when the drawn status index is already another certificate's. */
const indexTaken = () =>
  Object.assign(new Error("E11000 duplicate key"), { code: 11000, keyPattern: { statusIndex: 1 } });

describe("certificates: drawing a free status index", () => {
  it("when the drawn index is taken twice and then free, then the third draw is written", async () => {
    let calls = 0;
    const written = await withFreeStatusIndex(async () => {
      calls++;
      if (calls < 3) throw indexTaken();
      return "written";
    });
    expect([written, calls]).to.deep.equal(["written", 3]);
  });

  it("when every draw meets a taken index (the list full), then it gives up after 32 with status_list_full, naming the list's size", async () => {
    let calls = 0;
    const error = await withFreeStatusIndex(async () => {
      calls++;
      throw indexTaken();
    }).catch((e: unknown) => e);
    expect(calls).to.equal(32);
    expect(error).to.include({ code: "status_list_full", status: 409 });
    expect((error as Error).message).to.contain("131072");
  });

  it("when the write fails for another reason, then that failure is passed on at once", async () => {
    let calls = 0;
    const other = Object.assign(new Error("E11000 duplicate key"), {
      code: 11000,
      keyPattern: { certificateNo: 1 },
    });
    const error = await withFreeStatusIndex(async () => {
      calls++;
      throw other;
    }).catch((e: unknown) => e);
    expect([error, calls]).to.deep.equal([other, 1]);
  });
});
