import { expect } from "chai";
import {
  CreditOutagePayload,
  ExtendPayload,
  ForceSubmitPayload,
  IncidentPayload,
  PausePayload,
  ReleasePayload,
  VoidPayload,
} from "../../../server/contracts/proctoring.js";
import { WithdrawCandidateBody } from "../../../server/contracts/registration.js";
import { ReasonBody } from "../../../server/contracts/certificates.js";

const sessionId = "0123456789abcdef01234567";
const attemptId = "att_0123456789abcdef0123";

/** Each required reason or note of a proctor's action, as its payload carries it. */
const withReason: [string, (text: string) => { success: boolean }][] = [
  ["pause", (reason) => PausePayload.safeParse({ sessionId, reason })],
  ["extend", (reason) => ExtendPayload.safeParse({ attemptId, minutes: 5, reason })],
  ["force submit", (reason) => ForceSubmitPayload.safeParse({ attemptId, reason })],
  ["void", (note) => VoidPayload.safeParse({ attemptId, note })],
  ["early release", (earlyReason) => ReleasePayload.safeParse({ sessionId, earlyReason })],
  ["incident", (note) => IncidentPayload.safeParse({ sessionId, kind: "technical", note })],
  [
    "outage credit",
    (reason) =>
      CreditOutagePayload.safeParse({
        sessionId,
        attemptIds: [attemptId],
        outageFrom: 1,
        outageTo: 2,
        reason,
      }),
  ],
  // The same rule for an officer's written reasons (withdrawing a candidate, ending a certificate).
  ["candidate withdrawal", (reason) => WithdrawCandidateBody.safeParse({ reason })],
  ["certificate ending", (reason) => ReasonBody.safeParse({ reason })],
];

describe("proctoring contracts: a required reason is text a reader sees", () => {
  for (const [action, parse] of withReason) {
    it(`when the ${action} reason is zero-width spaces, bidirectional controls or other hidden characters, then it is refused`, () => {
      for (const hidden of [
        "\u200b\u200b",
        "\u200b\u200b\u200b",
        "\u202e\u202d",
        "\u2066\u2069",
        "\ufeff\ufeff",
        "\u0000\u0001",
        "违纪\u202e作弊",
        "断网\u200b",
        "\u2028\u2028",
      ])
        expect(parse(hidden).success, JSON.stringify(hidden)).to.equal(false);
    });

    it(`when the ${action} reason has fewer than two visible characters, then it is refused, and two are enough`, () => {
      expect(parse("a").success).to.equal(false);
      expect(parse("断 ").success).to.equal(false);
      expect(parse("断\u3000 ").success).to.equal(false);
      expect(parse("断网").success).to.equal(true);
      expect(parse("考场网络中断\n已登记").success).to.equal(true);
    });
  }
});
