import { expect } from "chai";
import type { Model } from "mongoose";
import type { AuthUser } from "../../../server/contracts/auth.js";
import type { SignedAnswer } from "../../../server/sharing/index.js";
import { aCertifiedPractitioner, aFiling, anOfficer, useExchangeNetwork } from "./support.js";
import { withStaleRead } from "./stale-reads.js";

/**
 * Two changes of one person's exchange at once at the hub: each transaction decides from what it
 * read (the person's other open filings, the home the pointer names), so a change committing
 * meanwhile must make the other decide again, not leave a province filed for good or a case
 * addressed to a former home.
 */
describe("cross-province exchange: two changes of one person's cases at once at the hub", () => {
  const net = useExchangeNetwork();
  const chaoyang = anOfficer("110105", "朝阳区业务员");
  const haidian = anOfficer("110108", "海淀区业务员");
  const hub = () => net.hub.node.ctx.conn;
  const filedWith = async (idNumber: string) =>
    ((await hub().collection("hub_practitioners").findOne({ idNumber }))?.filedWith ?? []) as string[];

  async function fileBy(officer: AuthUser, p: { idNumber: string; name: string }) {
    const { lookupId } = await net.beijing.lookup(officer, p.idNumber);
    return (await net.beijing.exchange.file(officer, { lookupId, practitioner: p, details: aFiling() }))
      .caseId;
  }
  const endAt = (caseId: string, officer: AuthUser): Promise<SignedAnswer<{ state?: string }>> =>
    net.beijing.client.call("POST", `/api/hub/v1/exchange/cases/${caseId}/end`, {
      endDate: "2026-12-05",
      reason: "离职",
      officer: { id: officer.id, name: officer.displayName, divisionCode: officer.divisionCode },
    });

  it("when 北京's two open filings of one person (two districts) are ended at once, then 北京 is no longer filed with the person", async () => {
    const p = await aCertifiedPractitioner(net.jiangsu);
    const first = await fileBy(chaoyang, p);
    const second = await fileBy(haidian, p);
    expect(await filedWith(p.idNumber)).to.include("110000");

    // The first ending reads "another filing is open" (the second), then the second ending runs
    // while the first is still uncommitted; the first goes on once the second read the same.
    const Cases = hub().models.ExchangeHubCase as Model<unknown>;
    const othersOf = (f: Record<string, unknown>) => f.kind === "filing" && f.idNumber === p.idNumber;
    let secondEnding: Promise<SignedAnswer<{ state?: string }>> | null = null;
    let secondRead = () => undefined as void;
    const secondHasRead = new Promise<void>((resolve) => (secondRead = resolve));
    const { result: firstEnded, staled } = await withStaleRead(
      Cases,
      "exists",
      othersOf,
      async () => {
        secondEnding = endAt(second, haidian);
        // Where one person's endings are ordered, the second waits for the first to commit and
        // never reads meanwhile: the first then goes on after a second of waiting.
        await Promise.race([secondHasRead, secondEnding, new Promise((r) => setTimeout(r, 1_000))]);
      },
      () => endAt(first, chaoyang),
      (filter) => {
        if (secondEnding && othersOf(filter)) secondRead();
      },
    );
    expect(staled).to.equal(true);
    const secondEnded = await (secondEnding as unknown as Promise<SignedAnswer<{ state?: string }>>);
    expect(firstEnded.status, firstEnded.rawBody).to.equal(200);
    expect(secondEnded.status, secondEnded.rawBody).to.equal(200);
    expect(await filedWith(p.idNumber)).to.not.include("110000");
  });

  it("when 江苏 agrees to 北京's transfer after the hub checked 北京's new filing of the person against 江苏 and before it took it, then the filing is checked again (北京 is now home: refused own_practitioner), not sent to 江苏", async () => {
    const p = await aCertifiedPractitioner(net.jiangsu);
    const bjOfficer = anOfficer("110000", "北京市厅业务员");
    const forTransfer = await net.beijing.lookup(bjOfficer, p.idNumber);
    const transfer = await net.beijing.exchange.transfer(bjOfficer, {
      lookupId: forTransfer.lookupId,
      practitioner: p,
      details: { reason: "户籍迁入北京市" },
    });
    const { lookupId } = await net.beijing.lookup(chaoyang, p.idNumber);
    const Pointers = hub().models.HubPointer as Model<unknown>;
    let agreed: SignedAnswer | null = null;
    const { result: filed, staled } = await withStaleRead(
      Pointers,
      "findOne",
      (filter) => filter.idNumber === p.idNumber,
      async () =>
        (agreed = await net.jiangsu.client.call(
          "POST",
          `/api/hub/v1/exchange/cases/${transfer.caseId}/answer`,
          {
            outcome: "acknowledged",
            officer: { id: "officer-js", name: "江苏省厅业务员", divisionCode: "320000" },
          },
        )),
      () =>
        net.beijing.exchange.file(chaoyang, { lookupId, practitioner: p, details: aFiling() }).then(
          (c) => c.state,
          (e: { code?: string }) => e.code,
        ),
    );
    expect(staled).to.equal(true);
    expect((agreed as SignedAnswer | null)?.status).to.equal(200);
    expect(filed).to.equal("own_practitioner");
    expect(await hub().collection("hub_practitioners").findOne({ idNumber: p.idNumber })).to.include({
      homeProvince: "110000",
    });
    expect(
      await hub().collection("exchange_cases").countDocuments({ idNumber: p.idNumber, kind: "filing" }),
    ).to.equal(0);
    expect(
      await hub().collection("exchange_inbox").countDocuments({
        to: "320000",
        "message.kind": "filing",
        "message.body.practitioner.idNumber": p.idNumber,
      }),
    ).to.equal(0);
  });
});
