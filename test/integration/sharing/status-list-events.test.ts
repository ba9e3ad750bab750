import { expect } from "chai";
import type { Access } from "../../../server/access/index.js";
import type { SignedDocument } from "../../../server/contracts/certificates.js";
import { createEventBus } from "../../../server/lib/event-bus.js";
import { createLogger } from "../../../server/lib/logger.js";
import { createSharingFeature, generateNodeKey } from "../../../server/sharing/index.js";
import { useTestDatabase } from "../../helpers/database.js";
import { testConfig } from "../../helpers/test-config.js";
import { aCertificateEvent, aNewIdNumber, aStatusChange } from "../hub/support.js";

const silent = createLogger({ level: "silent", name: "test" });

/**
 * When the province pushes its status list to the hub: after every event that can change a
 * certificate's slot. A transfer back (A→B→A) re-issues a cancelled certificate in its old slot
 * with only `certificate.issued`, and the hub showed the valid certificate as cancelled until the
 * next timed push, up to 15 minutes later.
 */
describe("sharing: the status list is pushed after the events that change it", () => {
  const db = useTestDatabase("prov_push");

  /** The sharing feature on a bus of its own, counting how often it builds the list to push. */
  function aSharingFeature() {
    const events = createEventBus(silent);
    const config = testConfig({
      NODE_ENV: "test",
      PROVINCE_CODE: "320000",
      LOG_LEVEL: "silent",
      // Nothing listens there: the push fails after the list is built, which is what is counted.
      HUB_URL: "http://127.0.0.1:9",
      HUB_PUBLIC_KEY: generateNodeKey().publicKeyX,
    });
    let built = 0;
    const statusList = () => {
      built += 1;
      return Promise.resolve({ format: "roadcert-signed/1" } as unknown as SignedDocument);
    };
    const feature = createSharingFeature(
      { config, logger: silent, conn: db.conn, events },
      {
        audit: {} as Parameters<typeof createSharingFeature>[1]["audit"],
        access: {
          route: () => (_req: unknown, _res: unknown, next: () => void) => next(),
        } as unknown as Access,
        statusList,
        lookupNotices: () => Promise.resolve({ lookups: [], nextCursor: null } as never),
        key: generateNodeKey(),
      },
    );
    return { events, feature, built: () => built };
  }

  async function eventually(probe: () => boolean): Promise<void> {
    for (let i = 0; i < 100 && !probe(); i++) await new Promise((r) => setTimeout(r, 20));
  }

  it("when a certificate is issued (a transfer back re-issues one in its old slot), then the list is pushed", async () => {
    const { events, built } = aSharingFeature();
    await events.publish("certificate.issued", aCertificateEvent({ idNumber: aNewIdNumber() }));
    await eventually(() => built() > 0);
    expect(built()).to.equal(1);
  });

  it("when a certificate's status changes, then the list is pushed", async () => {
    const { events, built } = aSharingFeature();
    await events.publish(
      "certificate.status_changed",
      aStatusChange({ idNumber: aNewIdNumber(), status: "revoked" }),
    );
    await eventually(() => built() > 0);
    expect(built()).to.equal(1);
  });
});
