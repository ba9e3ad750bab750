import { expect } from "chai";
import { createSigningService } from "../../../server/certificates/signing.service.js";
import { useTestDatabase } from "../../helpers/database.js";
import { recordingLogger } from "../../helpers/recording-logger.js";
import { signingKeysDir } from "../../helpers/signing-keys.js";
import { NODE_TIME_ZONE, OTHER_NODE_TIME_ZONE } from "../../helpers/time-zone.js";

/**
 * The signing service writes the times of its refusals in the zone its node is configured for
 * (TIME_ZONE, handed in by the composition root), as the officer's pages write theirs: never
 * China's by default on a node that keeps another zone's time.
 */
describe("the signing service's refusals on a node whose zone is not the default", function () {
  this.timeout(60_000);
  const db = useTestDatabase("signing_zone");
  // The key is made at 02:00 UTC: 10:00 on 7 December in China, 21:00 on 6 December in New York.
  const madeAt = new Date("2026-12-07T02:00:00.000Z");
  const keysDir = signingKeysDir({ madeAt });

  /** The refusal to seal a certificate issued an hour before the key was made, in `timeZone`. */
  async function refusalIn(timeZone: string): Promise<Error & { code?: string }> {
    const signing = createSigningService(db.conn, {
      provinceCode: "320000",
      suite: "ed25519",
      keysDir,
      trustDemo: false,
      peers: [],
      logger: recordingLogger().logger,
      clock: () => madeAt,
      timeZone,
    });
    const refused = await signing.sealingKey("2026-12-07T01:00:00.000Z").then(
      () => null,
      (err: unknown) => err as Error & { code?: string },
    );
    if (!refused) throw new Error("not refused");
    return refused;
  }

  it("when the node's zone is not the default, then a refusal to sign before the key's making names both times on that zone's date, not China's", async () => {
    const there = await refusalIn(OTHER_NODE_TIME_ZONE);
    expect(there.code).to.equal("signing_key_not_valid_at_issue");
    expect(there.message).to.match(
      /^签发时间 2026年12月6日 20:00:00 早于本节点当前签名密钥的启用时间 2026年12月6日 21:00:00，/,
    );
    // The same refusal on a node in China: the zone handed in is the one written.
    expect((await refusalIn(NODE_TIME_ZONE)).message).to.match(
      /^签发时间 2026年12月7日 09:00:00 早于本节点当前签名密钥的启用时间 2026年12月7日 10:00:00，/,
    );
  });
});
