import { expect } from "chai";
import { auditDetailLines } from "../../../server/contracts/audit.js";
import { CertificateRecord } from "../../../server/contracts/certificates.js";
import { SourceEndedBody } from "../../../server/contracts/exchange-messages.js";
import { UpdateSessionBody } from "../../../server/contracts/scheduling.js";

const options = { formatInstant: (iso: string) => iso, categoryName: () => undefined };
const value = (key: string, v: unknown) => auditDetailLines({ [key]: v }, options)[0]?.value ?? "";

/** The members of a zod enum or literal, read from the schema the writer validates against. */
function membersOf(schema: unknown): string[] {
  const s = schema as {
    unwrap?: () => unknown;
    options?: string[];
    value?: string;
    def?: { values?: string[] };
  };
  if (Array.isArray(s.options)) return s.options;
  if (Array.isArray(s.def?.values)) return s.def.values;
  if (typeof s.value === "string") return [s.value];
  if (s.unwrap) return membersOf(s.unwrap());
  throw new Error("not an enum");
}

/**
 * Detail fields whose values are codes from a fixed list, with the schema that lists them: the audit
 * page must read every member in Chinese (a code like `signed_certificate` means nothing to a clerk).
 */
const ENUM_VALUED: [key: string, writer: string, schema: unknown][] = [
  ["basis", "a transfer's new certificate", CertificateRecord.shape.transferredFrom.unwrap().shape.basis],
  ["status", "the home province's ending of a transferred certificate", SourceEndedBody.shape.status],
  ["status", "a session's cancellation (the update's body)", UpdateSessionBody.shape.status],
];

describe("audit detail values from a fixed list read in Chinese", () => {
  for (const [key, writer, schema] of ENUM_VALUED)
    it(`when ${writer} records ${key} as any of its codes, then the page reads it in Chinese`, () => {
      const codes = membersOf(schema);
      expect(codes.length).to.be.greaterThan(0);
      const unlabelled = codes.filter((c) => !/\p{Script=Han}/u.test(value(key, c)));
      expect(unlabelled).to.deep.equal([]);
    });

  it("when a transfer names its basis, then it reads as the source the new certificate was issued from", () => {
    expect(value("basis", "signed_certificate")).to.equal("原发证省签名证书");
    expect(value("basis", "hub_record")).to.equal("全国中心资格记录");
  });

  it("when a list field is empty (no node keys retired), then it reads 无, not a blank", () => {
    expect(value("nodeKeysRetired", [])).to.equal("无");
  });

  it("when an id field has a name in the list's references, then it reads by name; without one, as a short id", () => {
    const lines = auditDetailLines(
      { sessionId: "6b163a26aaaaaaaaaaaaaaaa", seatId: "6b163a26cccccccccccccccc" },
      {
        ...options,
        references: { "6b163a26aaaaaaaaaaaaaaaa": "经营性道路旅客运输驾驶员 · 2026-12-07 13:06 · 第一考场" },
      },
    );
    expect(lines).to.deep.equal([
      { label: "场次", value: "经营性道路旅客运输驾驶员 · 2026-12-07 13:06 · 第一考场" },
      { label: "座位", value: "6b163a26…" },
    ]);
  });
});
