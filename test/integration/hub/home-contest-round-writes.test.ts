import { expect } from "chai";
import type { CollectionReceipt, QualificationRecord } from "../../../server/contracts/hub.js";
import { commandsDuring } from "../../helpers/commands.js";
import { useTestDatabase } from "../../helpers/database.js";
import {
  aCertificateRecord,
  aNewIdNumber,
  useHubWithProvinces,
  aCancelledCertificateRecord,
} from "./support.js";

/**
 * A round refusing several records home_contested records their contests in one write: one write
 * per contest made a batch of contested records cost a round trip each inside its transaction.
 */
describe("hub: a round's contests are recorded in one write", () => {
  const provinceDb = useTestDatabase("hub_contest_round_writes");
  const net = useHubWithProvinces(
    provinceDb,
    { jiangsu: "320000", guangdong: "440000" },
    { monitorCommands: true },
  );
  const { publish } = net;
  const cancelled = (idNumber: string): QualificationRecord =>
    aCancelledCertificateRecord({ province: "320000", idNumber });

  it("when one batch of three records each contests its person's home, then the contests are written in one command", async () => {
    const people = [aNewIdNumber(), aNewIdNumber(), aNewIdNumber()];
    await publish(net.jiangsu, people.map(cancelled));
    const claims = people.map((idNumber) => ({
      ...aCertificateRecord({ province: "440000", idNumber }),
      issuingDivision: "440000",
      recordId: `gd:${idNumber}`,
    }));
    let results: CollectionReceipt["results"] = [];
    const seen = await commandsDuring(net.hub.node.ctx.conn, async () => {
      results = await publish(net.guangdong, claims);
    });
    expect(results.map((r) => r.reasons[0]?.code)).to.deep.equal([
      "home_contested",
      "home_contested",
      "home_contested",
    ]);
    expect(seen.filter((c) => c.endsWith("hub_home_contests"))).to.deep.equal(["update hub_home_contests"]);
    expect(
      await net.hub.node.ctx.conn
        .collection("hub_home_contests")
        .countDocuments({ idNumber: { $in: people } }),
    ).to.equal(3);
  });
});
