import { expect } from "chai";
import { createExtendRequestIds } from "../../../client/src/features/proctor/extend-request-id.js";

/**
 * The console sends an extension again when the proctor presses 确定 after a failure (an
 * `ack_timeout`: the first may have been made): the retry must carry the first request id, so the
 * server makes the extension once.
 */
describe("proctor console: an extension sent again is the same extension (client)", () => {
  const entries = JSON.stringify({ attemptId: "a1", minutes: 5, reason: "考生电脑故障" });

  it("when the same entries are sent again after a failure, then the retry carries the first request id", () => {
    const ids = createExtendRequestIds();
    const first = ids.idFor(entries);
    expect(first).to.match(/^[0-9a-f]{32}$/);
    expect(ids.idFor(entries)).to.equal(first);
  });

  it("when one went through, the dialog opened again or the entries changed, then it is another extension with its own id", () => {
    const ids = createExtendRequestIds();
    const first = ids.idFor(entries);
    ids.reset();
    const second = ids.idFor(entries);
    expect(second).to.not.equal(first);
    expect(ids.idFor(JSON.stringify({ attemptId: "a1", minutes: 10, reason: "考生电脑故障" }))).to.not.equal(
      second,
    );
  });
});
