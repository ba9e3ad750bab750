import { expect } from "chai";
import { createAuditService } from "../../../server/audit/index.js";
import { auditDetailLines, type AuditListDto } from "../../../server/contracts/audit.js";
import {
  aSessionThroughApi,
  createTestRoom,
  registerTestCandidate,
  useStaffAgent,
} from "../../helpers/auth.js";
import { commandsDuring } from "../../helpers/commands.js";
import { useTestNode } from "../../helpers/node.js";

const inDays = (d: number) => new Date(Date.now() + d * 86_400_000);

/**
 * The log keeps the ids a change named; the admin's page reads names: the list resolves a page's
 * ids through the features that own them, and falls back to a short id for a target since removed.
 */
describe("audit list: ids in details read as names", () => {
  const env = useTestNode({ monitorCommands: true });
  const officer = useStaffAgent(env, { roles: ["officer"], divisionCode: "320100" });
  const admin = useStaffAgent(env, { roles: ["admin"], divisionCode: "320000" });

  const lines = (list: AuditListDto, seq: number) => {
    const entry = list.entries.find((e) => e.seq === seq);
    if (!entry) throw new Error(`entry ${seq} not listed`);
    return auditDetailLines(entry.details, {
      formatInstant: (iso) => iso,
      categoryName: () => undefined,
      references: list.references,
    });
  };

  it("when a check-in entry is listed, then its details read with the candidate's name, the seat number and the session", async () => {
    const room = await createTestRoom(env.node, { seats: 3 });
    const candidate = await registerTestCandidate(env.node, { name: "王审计" });
    const sessionId = (await aSessionThroughApi(env.node, officer, inDays(3), room)).id;
    const seat = room.seats[1]!;
    // What the proctor console records for a check-in (proctoring/room-actions.ts).
    const entry = await createAuditService(env.node.ctx.conn).record({
      action: "exam.check_in",
      actor: { id: "p", kind: "staff", name: "李监考" },
      divisionCode: "320100",
      target: { type: "exam_attempt", id: "att_gone" },
      details: { sessionId, candidateId: candidate.id, seatId: seat.seatId, onSitePhoto: false },
    });
    const gone = await createAuditService(env.node.ctx.conn).record({
      action: "exam.check_in",
      actor: { id: "p", kind: "staff", name: "李监考" },
      divisionCode: "320100",
      target: null,
      details: { sessionId: "6b163a26aaaaaaaaaaaaaaaa", candidateId: "6b163a26bbbbbbbbbbbbbbbb" },
    });
    // Publishing results is recorded as the node's own (no division), about the session.
    const published = await createAuditService(env.node.ctx.conn).record({
      action: "exam.results_published",
      actor: { id: "o", kind: "staff", name: "赵业务" },
      target: { type: "exam_session", id: sessionId },
      details: { submitted: 0, late: false },
    });
    const list = (await admin.agent.get("/api/audit").query({ limit: "200" }).expect(200))
      .body as AuditListDto;

    const read = lines(list, entry.seq);
    const text = read.map((l) => `${l.label}：${l.value}`).join(" · ");
    expect(text).to.include("考生：王审计");
    expect(text).to.include(`座位：${seat.seatNo} 号`);
    expect(text).to.include("第一考场");
    expect(text).not.to.include(sessionId);
    expect(text).not.to.include(candidate.id);
    expect(text).not.to.include(seat.seatId);

    // The 区划 column names the session's division, not 本节点.
    expect(list.entries.find((e) => e.seq === published.seq)?.divisionName).to.equal("南京市");

    // A target that no longer exists reads as a short id, never the whole one.
    const fallback = lines(list, gone.seq).map((l) => l.value);
    expect(fallback).to.include("6b163a26…");
    expect(fallback.join(" ")).not.to.include("6b163a26bbbbbbbbbbbbbbbb");
  });

  it("when a page names a session and lists an entry about a session without a division, then the sessions are read once for both", async () => {
    const room = await createTestRoom(env.node, { seats: 2 });
    const sessionId = (await aSessionThroughApi(env.node, officer, inDays(4), room)).id;
    const audit = createAuditService(env.node.ctx.conn);
    const named = await audit.record({
      action: "exam.check_in",
      actor: { id: "p", kind: "staff", name: "李监考" },
      divisionCode: "320100",
      target: null,
      details: { sessionId },
    });
    const published = await audit.record({
      action: "exam.results_published",
      actor: { id: "o", kind: "staff", name: "赵业务" },
      target: { type: "exam_session", id: sessionId },
      details: { submitted: 0, late: false },
    });
    let list: AuditListDto | undefined;
    const commands = await commandsDuring(env.node.ctx.conn, async () => {
      list = (await admin.agent.get("/api/audit").query({ limit: "200" }).expect(200)).body as AuditListDto;
    });
    expect(commands.filter((c) => c === "find exam_sessions")).to.have.length(1);
    expect(
      lines(list!, named.seq)
        .map((l) => l.value)
        .join(" "),
    ).to.include("第一考场");
    expect(list!.entries.find((e) => e.seq === published.seq)?.divisionName).to.equal("南京市");
  });
});
