import { expect } from "chai";
import type { CaseBody } from "../../../server/contracts/exchange.js";
import { LookupReason } from "../../../server/contracts/hub.js";
import { createHubCaseCheck } from "../../../server/exchange/hub-case-check.js";
import { AppError } from "../../../server/lib/errors.js";

const ID = "320102199001011238";
const LOOKUP_ID = "5b0c1f1e-8f57-4a8e-9f3c-2a4c2f6f1a01";

/** The hub's records of one 江苏 practitioner and one lookup of them by 北京, as the port reads them. */
function aHub(options: { validTo?: string | null; reason?: string; lookupAt?: Date } = {}) {
  const pointer = {
    idNumber: ID,
    name: "王备案",
    homeProvince: "320000",
    certificateNumber: ID,
    certificateStatus: "valid",
    validTo: options.validTo === undefined ? "2032-11-09" : options.validTo,
    live: true,
  };
  const lookup = {
    lookupId: LOOKUP_ID,
    at: options.lookupAt ?? new Date("2026-12-01T02:00:00.000Z"),
    requestingProvince: "110000",
    reason: options.reason ?? "filing",
    matches: [{ idNumber: ID, homeProvince: "320000" }],
  };
  return {
    practitioner: () => Promise.resolve(pointer),
    lookup: () => Promise.resolve(lookup),
    issuingDivision: () => Promise.resolve("320100"),
  } as unknown as Parameters<typeof createHubCaseCheck>[0];
}

function aCase(kind: "filing" | "transfer"): CaseBody {
  return {
    caseId: "0e6f6a8c-4d7b-4b7e-9b1a-1c2d3e4f5a6b",
    kind,
    lookupId: LOOKUP_ID,
    practitioner: { idNumber: ID, name: "王备案" },
    officer: { id: "officer-1", name: "李业务", divisionCode: "110105" },
    details: {},
  } as unknown as CaseBody;
}

async function outcomeOf(work: Promise<unknown>): Promise<string> {
  return work.then(
    () => "taken",
    (e: unknown) => (e instanceof AppError ? e.code : String(e)),
  );
}

describe("exchange: the hub's checks of a new filing or transfer", () => {
  for (const kind of ["filing", "transfer"] as const) {
    it(`when the certificate's validTo is before the China calendar day of the ${kind}, then it is refused certificate_expired in Chinese, though not yet cancelled`, async () => {
      const check = createHubCaseCheck(aHub({ validTo: "2026-12-06" }));
      const err = await check(aCase(kind), "110000", new Date("2026-12-07T02:00:00.000Z")).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).to.be.instanceOf(AppError);
      expect(err).to.include({ code: "certificate_expired", status: 409 });
      expect((err as AppError).message).to.match(/过期/);
    });
  }

  it("when the certificate's last valid day is today in China, then the filing is taken", async () => {
    const check = createHubCaseCheck(aHub({ validTo: "2026-12-07" }));
    expect(await outcomeOf(check(aCase("filing"), "110000", new Date("2026-12-07T15:59:59.000Z")))).to.equal(
      "taken",
    );
  });

  it("when it is already the next day in Beijing though still the last valid day in UTC, then the filing is refused certificate_expired", async () => {
    const check = createHubCaseCheck(aHub({ validTo: "2026-12-07" }));
    // 16:30 UTC on 7 December is 00:30 on 8 December in Beijing.
    expect(await outcomeOf(check(aCase("filing"), "110000", new Date("2026-12-07T16:30:00.000Z")))).to.equal(
      "certificate_expired",
    );
  });

  it("when a transfer cites a lookup made for a transfer (转籍), or one made for a filing by older software, then it is taken", async () => {
    const at = new Date("2026-12-07T02:00:00.000Z");
    expect(LookupReason.safeParse("transfer").success).to.equal(true);
    expect(
      await outcomeOf(createHubCaseCheck(aHub({ reason: "transfer" }))(aCase("transfer"), "110000", at)),
    ).to.equal("taken");
    expect(
      await outcomeOf(createHubCaseCheck(aHub({ reason: "filing" }))(aCase("transfer"), "110000", at)),
    ).to.equal("taken");
  });

  it("when a filing cites a lookup made for a transfer, then it is refused lookup_mismatch", async () => {
    const at = new Date("2026-12-07T02:00:00.000Z");
    expect(
      await outcomeOf(createHubCaseCheck(aHub({ reason: "transfer" }))(aCase("filing"), "110000", at)),
    ).to.equal("lookup_mismatch");
  });
});
