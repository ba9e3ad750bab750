import { expect } from "chai";
import {
  CheckFailed,
  createPublished,
  feedEnd,
  refusedWith,
  type Raw,
} from "../../../scripts/conformance/kit.js";

/** The kit's own judgements, on answers a hub might give (right and wrong). */

function aRaw(status: number, body: unknown): Raw {
  return {
    status,
    text: typeof body === "string" ? body : JSON.stringify(body),
    headers: new Headers(),
    requestHeaders: {},
    url: "http://hub/x",
    method: "POST",
  };
}

describe("conformance kit: its judgements", () => {
  it("when a feed holds entries up to a sequence number, then feedEnd finds that number without reading the feed from 0 page by page", async () => {
    for (const last of [0, 1, 2, 1023, 1024, 1025, 5000, 123_456]) {
      const asked: number[] = [];
      const end = await feedEnd(async (after) => {
        asked.push(after);
        return after < last;
      });
      expect(end, `last ${last}`).to.equal(last);
      expect(asked.length, `last ${last}`).to.be.lessThan(45);
    }
  });

  it("when a refusal has the right status and code but no message, then refusedWith fails naming the contract", () => {
    expect(() =>
      refusedWith(aRaw(413, { error: { code: "batch_too_large" } }), 413, "batch_too_large"),
    ).to.throw(CheckFailed, /breaks the published contract at error.message/);
    expect(() =>
      refusedWith(aRaw(400, { error: { code: "bad", message: "x" } }), 400, "validation_failed"),
    ).to.throw(CheckFailed, /answered 400 bad/);
    expect(
      refusedWith(
        aRaw(400, { error: { code: "validation_failed", message: "字段不合法" } }),
        400,
        "validation_failed",
      ),
    ).to.include({ code: "validation_failed" });
  });

  it("when the hub held some of the kit's records, then the withdrawal names only those, as deletes one version above any the kit sent", () => {
    const published = createPublished();
    const record = (recordId: string, version: number) => ({
      recordId,
      version,
      operation: "add",
      state: "valid",
    });
    const body = JSON.stringify({
      batchId: "b",
      records: [record("conformance:a", 2), record("conformance:b", 1)],
    });
    published.sending(body);
    published.answered(
      body,
      aRaw(200, {
        results: [
          { index: 0, outcome: "accepted" },
          { index: 1, outcome: "rejected" },
        ],
      }),
    );
    // A later version the hub refused still raises the withdrawal above it (a hub may have applied it).
    const later = JSON.stringify({ batchId: "c", records: [record("conformance:a", 5)] });
    published.sending(later);
    published.answered(later, aRaw(401, { error: { code: "signature_missing", message: "x" } }));
    expect(published.withdrawals("20260101080000")).to.deep.equal([
      {
        recordId: "conformance:a",
        version: 6,
        operation: "delete",
        state: "invalid",
        updateTime: "20260101080000",
      },
    ]);
    expect(published.holds("conformance:b")).to.equal(false);
  });
});
