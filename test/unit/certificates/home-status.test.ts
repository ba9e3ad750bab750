import { expect } from "chai";
import type { StatusListBody } from "../../../server/contracts/certificates.js";
import { refuseStaleHomeList } from "../../../server/certificates/home-status.js";
import { NODE_TIME_ZONE, OTHER_NODE_TIME_ZONE } from "../../helpers/time-zone.js";

/** The hub's copy of a home province's status list, made at `generatedAt`, kept 15 minutes. */
const aHomeList = (generatedAt: string): StatusListBody => ({
  format: "roadcert-status-list/1",
  provinceCode: "320000",
  statusPurpose: "message",
  statusSize: 2,
  statusMessages: [
    { status: "0x0", message: "valid" },
    { status: "0x1", message: "cancelled" },
    { status: "0x2", message: "revoked" },
    { status: "0x3", message: "reserved" },
  ],
  encodedList: "u",
  generatedAt,
  validUntil: "2026-12-08T00:00:00.000Z",
  ttlMs: 0,
});

/** The refusal's message; fails the test when nothing is refused. */
function refusal(body: StatusListBody, now: Date, agreedAt: string | null, timeZone: string): string {
  try {
    refuseStaleHomeList(body, now, agreedAt, timeZone);
  } catch (err) {
    expect(err).to.include({ code: "source_status_stale" });
    return (err as Error).message;
  }
  throw new Error("not refused");
}

describe("refusing a transfer issuance on a stale copy of the home province's status list", () => {
  it("when the hub's copy is older than its lag allows, then the officer reads when it was made as the pages write times, in the node's zone", () => {
    const message = refusal(
      aHomeList("2026-12-06T16:30:05.000Z"),
      new Date("2026-12-06T17:00:00.000Z"),
      null,
      NODE_TIME_ZONE,
    );
    expect(message).to.include("生成于 2026年12月7日 00:30:05，");
    expect(message).to.not.match(/\d{4}-\d{2}-\d{2}/);
    // Another zone's node reads its own wall time.
    expect(
      refusal(aHomeList("2026-12-06T16:30:05.000Z"), new Date("2026-12-06T17:00:00.000Z"), null, "UTC"),
    ).to.include("生成于 2026年12月6日 16:30:05，");
  });

  it("when the copy was made before the home province agreed, then both times are written as the pages write them", () => {
    const message = refusal(
      aHomeList("2026-12-06T16:30:05.000Z"),
      new Date("2026-12-06T16:35:00.000Z"),
      "2026-12-06T16:33:00.000Z",
      NODE_TIME_ZONE,
    );
    expect(message).to.include(
      "生成于 2026年12月7日 00:30:05，早于原籍省份同意转籍的时间 2026年12月7日 00:33:00，",
    );
  });

  it("when the node's zone is not the default, then the copy's and the agreement's times are written on that zone's date, not China's", () => {
    const message = refusal(
      aHomeList("2026-12-06T16:30:05.000Z"),
      new Date("2026-12-06T16:35:00.000Z"),
      "2026-12-06T16:33:00.000Z",
      OTHER_NODE_TIME_ZONE,
    );
    expect(message).to.include(
      "生成于 2026年12月6日 11:30:05，早于原籍省份同意转籍的时间 2026年12月6日 11:33:00，",
    );
  });

  it("when the copy is recent and made after the agreement, then nothing is refused", () => {
    expect(() =>
      refuseStaleHomeList(
        aHomeList("2026-12-06T16:34:00.000Z"),
        new Date("2026-12-06T16:35:00.000Z"),
        "2026-12-06T16:33:00.000Z",
        NODE_TIME_ZONE,
      ),
    ).to.not.throw();
  });
});
