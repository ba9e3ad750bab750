import { loadavg } from "node:os";
import { expect } from "chai";
import fc from "fast-check";
import { z } from "zod";
import * as Exams from "../../../server/contracts/exams.js";
import type { ClientEvent } from "../../../server/contracts/socket-events.js";
import {
  connectSocket,
  loginCandidate,
  scheduleCandidates,
  staffAgent,
  type ScheduledCandidates,
  type TestSocket,
} from "../../helpers/auth.js";
import { FUZZ_RUNS, FuzzProblems, hangBound, samples } from "../../helpers/fuzz.js";
import { mutatedBodies, schemaCases, type FuzzBody, type JsonSchema } from "../../helpers/fuzz-mutations.js";
import { describeRun, runBatches, uncheckedRefusals } from "../../helpers/fuzz-batches.js";
import type { FuzzOutcome } from "../../helpers/fuzz-http.js";
import { exampleOf } from "../../helpers/fuzz-schema.js";
import { startTestNode, type TestNode } from "../../helpers/node.js";
import { seedBank } from "../../e2e/exam-fixtures.js";

/**
 * The fuzz sweep of the socket events (issue 18): every client→server event of the contract map,
 * FUZZ_RUNS malformed payloads each (schema-driven from the event's zod schema, then property-based
 * mutations of a valid payload, and calls with no payload or extra arguments), sent by every role.
 * Each must be acknowledged within the time bound with `{ok:true,data}` or `{ok:false,error}`
 * carrying a stable code, the socket must stay connected, and refusals must store nothing.
 */

/**
 * Each event's payload schema. Typed over the contract map, so an event added there without one
 * here does not compile; the live listeners are compared with it below.
 */
const SCHEMAS: Record<ClientEvent, z.ZodType> = {
  "system:ping": z.object({}).strict(),
  "attempt:sync": Exams.SyncPayload,
  "attempt:confirm": Exams.ConfirmPayload,
  "attempt:answer": Exams.AnswerPayload,
  "attempt:flag": Exams.FlagPayload,
  "attempt:submit": Exams.SubmitPayload,
  "proctor:watch": Exams.WatchPayload,
  "proctor:unwatch": Exams.WatchPayload,
  "proctor:check_in": Exams.CheckInPayload,
  "proctor:release": Exams.ReleasePayload,
  "proctor:pause": Exams.PausePayload,
  "proctor:resume": Exams.ResumePayload,
  "proctor:extend": Exams.ExtendPayload,
  "proctor:approve_extension": Exams.ApproveExtensionPayload,
  "proctor:force_submit": Exams.ForceSubmitPayload,
  "proctor:void": Exams.VoidPayload,
  "proctor:incident": Exams.IncidentPayload,
  "proctor:credit_outage": Exams.CreditOutagePayload,
  "proctor:unlock_login": Exams.UnlockLoginPayload,
};
const EVENTS = Object.keys(SCHEMAS) as ClientEvent[];
const ROLES = ["candidate", "proctor", "officer", "examiner", "reviewer", "admin"] as const;
type Role = (typeof ROLES)[number];
const only = process.env.FUZZ_ONLY ? new RegExp(process.env.FUZZ_ONLY) : null;

/**
 * No collection is passed over whole: the exam instances' heartbeat and the sessions' expiry are
 * left out of the hashes (VOLATILE_FIELDS in test/helpers/store-snapshot.ts).
 */
const IGNORED = new Set<string>();

type Call = { kind: "payload"; body: FuzzBody } | { kind: "none" } | { kind: "extra"; args: unknown[] };

describe("Fuzz: every socket event × every role, malformed payloads", function () {
  this.timeout(0);
  let node: TestNode;
  let fixture: ScheduledCandidates;
  const sockets = new Map<Role, TestSocket>();
  const cookies = new Map<Role, string>();
  const ids: Record<string, string> = {};

  before(async function () {
    this.timeout(120_000);
    node = await startTestNode({ env: { LOGIN_RATE_LIMIT_PER_MINUTE: "100000" } });
    await seedBank(node);
    fixture = await scheduleCandidates(node, { count: 2 });
    const first = fixture.candidates[0];
    if (!first) throw new Error("no candidate");
    const division = fixture.room.divisionCode;
    cookies.set(
      "proctor",
      (
        await staffAgent(node, {
          roles: ["proctor"],
          divisionCode: division,
          testCentreId: fixture.room.testCentreId,
        })
      ).cookie,
    );
    // Examiners and reviewers are the province's (PROVINCE_LEVEL_ROLES); the others the room's city.
    const province = node.ctx.config.provinceCode ?? division;
    for (const role of ["officer", "examiner", "reviewer", "admin"] as const) {
      const divisionCode = role === "examiner" || role === "reviewer" ? province : division;
      cookies.set(role, (await staffAgent(node, { roles: [role], divisionCode })).cookie);
    }
    cookies.set(
      "candidate",
      (
        await loginCandidate(node, {
          idNumber: first.idNumber,
          ticketNo: first.assignment.ticketNo,
          seatToken: first.seatToken,
        })
      ).cookie,
    );
    for (const role of ROLES)
      sockets.set(role, await connectSocket(node, { cookie: cookies.get(role) ?? "" }));
    // The candidate checked in, so its attempt exists and the events reach its state checks.
    const proctor = sockets.get("proctor") as TestSocket;
    const watched = await proctor.emitWithAck("proctor:watch", { sessionId: fixture.session.id });
    const checkedIn = await proctor.emitWithAck("proctor:check_in", {
      sessionId: fixture.session.id,
      candidateId: first.id,
      idNumber: first.idNumber,
    });
    if (!watched.ok || !checkedIn.ok)
      throw new Error(`check-in failed: ${JSON.stringify([watched, checkedIn])}`);
    const sync = await (sockets.get("candidate") as TestSocket).emitWithAck("attempt:sync", {});
    if (!sync.ok) throw new Error(`attempt:sync failed: ${JSON.stringify(sync.error)}`);
    Object.assign(ids, {
      attemptId: sync.data.attemptId,
      sessionId: fixture.session.id,
      candidateId: first.id,
      idNumber: first.idNumber,
      requestId: sync.data.attemptId,
    });
  });
  after(async () => {
    for (const s of sockets.values()) s.close();
    await node?.stop();
  });

  it("when nobody is logged in, then the handshake is refused and no event can be sent", async () => {
    let refused: unknown = null;
    await connectSocket(node, null).then(
      (s) => s.close(),
      (err: unknown) => (refused = err),
    );
    expect(refused, "anonymous handshake").to.be.instanceOf(Error);
  });

  it("when the server's listeners are listed, then every one has a payload schema here", () => {
    const live = new Set<string>();
    // socket.io's own lifecycle listeners are not client events.
    for (const s of node.io.of("/").sockets.values())
      for (const e of s.eventNames())
        if (typeof e === "string" && e !== "disconnect" && e !== "error") live.add(e);
    expect([...live].filter((e) => !(e in SCHEMAS)).sort()).to.deep.equal([]);
    expect(live.size).to.be.greaterThan(10);
  });

  for (const event of EVENTS.filter((e) => !only || only.test(e))) {
    const label = `socket ${event}`;
    it(`when ${event} gets ${FUZZ_RUNS} malformed payloads from every role, then each is acknowledged cleanly and refusals store nothing`, async () => {
      const schema = z.toJSONSchema(SCHEMAS[event], { io: "input", unrepresentable: "any" }) as JsonSchema;
      const base = withIds(exampleOf(schema), ids);
      const driven: Call[] = schemaCases(base, schema, (s) => s).map((body) => ({ kind: "payload", body }));
      const property: fc.Arbitrary<Call> = fc.oneof(
        {
          weight: 12,
          arbitrary: mutatedBodies(base)
            .filter((b) => b.kind === "json")
            .map((body): Call => ({ kind: "payload", body })),
        },
        { weight: 1, arbitrary: fc.constant<Call>({ kind: "none" }) },
        {
          weight: 1,
          arbitrary: fc
            .array(fc.jsonValue({ maxDepth: 2 }), { minLength: 2, maxLength: 3 })
            .map((args): Call => ({ kind: "extra", args })),
        },
      );
      const cases = [
        ...driven.slice(0, FUZZ_RUNS),
        ...samples(property, label, Math.max(0, FUZZ_RUNS - driven.length)),
      ];
      const order: Role[] = event.startsWith("attempt:")
        ? ["candidate", "candidate", "candidate", ...ROLES]
        : event.startsWith("proctor:")
          ? ["proctor", "proctor", "officer", ...ROLES]
          : [...ROLES];
      const problems = new FuzzProblems();
      const started = Date.now();
      const run = await runBatches({
        conn: node.ctx.conn,
        cases,
        problems,
        ignore: IGNORED,
        inFlight: 2,
        send: async (c, i) => {
          const role = order[i % order.length] as Role;
          const socket = await liveSocket(role, problems);
          const args =
            c.kind === "payload"
              ? [c.body.kind === "json" ? c.body.value : null]
              : c.kind === "extra"
                ? c.args
                : [];
          const what = `${role} ${event} ${c.kind === "payload" ? c.body.note : c.kind}`;
          if (Buffer.byteLength(JSON.stringify(args)) > MAX_MESSAGE_BYTES) {
            // Over socket.io's maxHttpBufferSize the transport closes the connection (HTTP's 413):
            // a refusal without an ack. The server must stay up; the role connects again.
            const refused = await closedBy(socket, event, args);
            if (!refused)
              problems.add(`#${i} ${what}: an oversized message was neither refused nor acknowledged`);
            sockets.set(role, await connectSocket(node, { cookie: cookies.get(role) ?? "" }));
            return {
              outcome: {
                status: 413,
                body: { error: { code: "message_too_large", message: "消息超过上限，连接已关闭" } },
              },
              what,
            };
          }
          const outcome = await ack(socket, event, args);
          return { outcome, what };
        },
      });
      for (const role of ROLES)
        if (!sockets.get(role)?.connected) problems.add(`${role}'s socket was disconnected by ${event}`);
      const unchecked = uncheckedRefusals(run, label);
      if (unchecked) problems.add(unchecked);
      if (process.env.FUZZ_VERBOSE)
        console.log(
          `    ${label}: ${cases.length} inputs, ${run.accepted} accepted, ${run.refused} refused, ${describeRun(run)}, ${Date.now() - started} ms (load ${loadavg()[0]?.toFixed(1)})`,
        );
      expect(problems.list, problems.report(label)).to.deep.equal([]);
    });
  }

  /** The role's socket, reconnected (and reported) if the server dropped it. */
  async function liveSocket(role: Role, problems: FuzzProblems): Promise<TestSocket> {
    const s = sockets.get(role) as TestSocket;
    if (s.connected) return s;
    problems.add(`${role}'s socket was disconnected`);
    const again = await connectSocket(node, { cookie: cookies.get(role) ?? "" });
    sockets.set(role, again);
    return again;
  }
});

/** Puts the fixture's real ids wherever the example has a field of that name. */
function withIds(value: unknown, ids: Record<string, string>): unknown {
  if (Array.isArray(value)) return value.map((v) => withIds(v, ids));
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [
        k,
        k in ids ? ids[k] : k === "attemptIds" ? [ids.attemptId] : withIds(v, ids),
      ]),
    );
  }
  return value;
}

/** The node's socket.io `maxHttpBufferSize` (server/main.ts). */
const MAX_MESSAGE_BYTES = 256 * 1024;

/** Sends an oversized message: true when the server closed the connection (or refused it in an ack). */
async function closedBy(socket: TestSocket, event: ClientEvent, args: unknown[]): Promise<boolean> {
  const closed = new Promise<boolean>((resolve) => socket.once("disconnect", () => resolve(true)));
  const acked = ack(socket, event, args).then((o) => "status" in o && o.status >= 400);
  return Promise.race([closed, acked]);
}

/** Emits with an ack callback within a hang bound (`hangBound`): an event that is never acknowledged is a hang. */
async function ack(socket: TestSocket, event: ClientEvent, args: unknown[]): Promise<FuzzOutcome> {
  const emit = socket.emitWithAck.bind(socket) as unknown as (e: string, ...a: unknown[]) => Promise<unknown>;
  const bound = hangBound();
  const gaveUp = new Promise<never>((_, reject) =>
    bound.signal.addEventListener("abort", () => reject(bound.signal.reason as Error), { once: true }),
  );
  try {
    const res = (await Promise.race([emit(event, ...args), gaveUp])) as {
      ok?: unknown;
      error?: unknown;
    } | null;
    if (res?.ok === true) return { status: 200, body: res };
    if (res?.ok === false) return { status: 400, body: { error: res.error } };
    return { failure: `ack of the wrong shape: ${JSON.stringify(res).slice(0, 200)}` };
  } catch (err) {
    return { failure: `no ack: ${(err as Error).message}` };
  } finally {
    bound.end();
  }
}
