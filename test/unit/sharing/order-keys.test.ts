import { expect } from "chai";
import { orderKeyOf } from "../../../server/lib/outbox-enqueue.js";
import { PUBLISHED_EVENTS, recordOf } from "../../../server/sharing/publisher.js";
import {
  aCertificateEvent,
  aCertificateRecord,
  anExamPassed,
  aStatusChange,
} from "../../integration/hub/support.js";
import type { DomainEvents } from "../../../server/contracts/domain-events.js";

/**
 * The outbox orders the hub publisher's entries per hub record (ORDER_KEY in outbox-enqueue.ts),
 * which the outbox names as record-mapper.ts names record ids: the two must not drift apart, or a
 * record's versions would go out of order (or one record's entries hold another's back).
 */
describe("outbox order keys", () => {
  const idNumber = "32010219850315001X";
  const pass = anExamPassed({ idNumber, attemptId: "att-order" });
  const samples: { [K in (typeof PUBLISHED_EVENTS)[number]]: DomainEvents[K] } = {
    "exam.passed": pass,
    "exam.voided": { pass, note: "违纪", voidedAt: new Date().toISOString() },
    "certificate.issued": aCertificateEvent({ idNumber }),
    "certificate.status_changed": aStatusChange({ idNumber, status: "revoked" }),
    "register.entry_cancelled": {
      record: { ...aCertificateRecord({ idNumber }), recordId: "legacy:苏A0001" },
      caseId: "case-1",
    },
  };

  for (const name of PUBLISHED_EVENTS)
    it(`when ${name} is written to the outbox, then its order key is the hub record id it publishes`, () => {
      const payload = samples[name];
      expect(orderKeyOf(name, payload)).to.equal(recordOf({ name, payload }).recordId);
    });

  it("when a pass is voided, then the void is ordered with the pass it takes back", () => {
    expect(orderKeyOf("exam.voided", samples["exam.voided"])).to.equal(orderKeyOf("exam.passed", pass));
  });
});
