import { expect } from "chai";
import { IncidentPayload, PausePayload, WatchPayload } from "../../../server/contracts/proctoring.js";

describe("proctoring contracts: ids arrive in their canonical form", () => {
  const id = "65a0c0ffee0123456789abe1";

  it("when a session id is an ObjectId typed in upper case, then every proctor payload carries it lower-cased", () => {
    const upper = id.toUpperCase();
    expect(WatchPayload.parse({ sessionId: upper }).sessionId).to.equal(id);
    expect(PausePayload.parse({ sessionId: upper, reason: "考场停电" }).sessionId).to.equal(id);
    const incident = IncidentPayload.parse({ sessionId: upper, kind: "technical", note: "网络中断" });
    expect(incident.sessionId).to.equal(id);
  });

  it("when an id has a form of its own (an attempt's att_…, a stand-in's ses_…), then it is kept exactly as sent", () => {
    const pause = PausePayload.parse({
      sessionId: "ses_ABC123",
      attemptIds: ["att_0A1B"],
      reason: "考场停电",
    });
    expect(pause).to.deep.include({ sessionId: "ses_ABC123", attemptIds: ["att_0A1B"] });
  });
});
