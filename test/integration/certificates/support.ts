import { expect } from "chai";
import type { DomainEvents } from "../../../server/contracts/domain-events.js";
import { createAuditService } from "../../../server/audit/index.js";
import { createCertificatesFeature, type CertificatesDeps } from "../../../server/certificates/index.js";
import { publishedResults } from "../../../server/exams/index.js";
import { outboxModel } from "../../../server/lib/outbox.js";
import { createOrganisationService, divisionFullName } from "../../../server/organisation/index.js";
import { createRegistrationService } from "../../../server/registration/index.js";
import { createSchedulingService } from "../../../server/scheduling/index.js";
import { accessTrustingActors } from "../../helpers/access.js";
import { registerTestCandidate, type CandidateOptions } from "../../helpers/auth.js";
import { startTestNode } from "../../helpers/node.js";
import { signingKeysDir } from "../../helpers/signing-keys.js";

export type TestNode = Awaited<ReturnType<typeof startTestNode>>;

/**
 * A province node whose signing keys live in a fresh temporary directory; with `keysMadeAt`, keys
 * made as of that time (tests that issue certificates years back need keys that old).
 */
export function startCertNode(
  env: Record<string, string> = {},
  { keysMadeAt }: { keysMadeAt?: Date } = {},
): Promise<TestNode> {
  const keysDir = signingKeysDir({
    madeAt: keysMadeAt,
    suite: env.CERT_SUITE === "sm2-sm3" ? "sm2-sm3" : "ed25519",
  });
  return startTestNode({ env: { CERT_KEYS_DIR: keysDir, ...env } });
}

/** A second "instance" of the certificates feature on the same node database (as a second process would be). */
export function anotherInstance(
  node: TestNode,
  clock?: () => Date,
  audit: CertificatesDeps["audit"] = createAuditService(node.ctx.conn),
  results: CertificatesDeps["results"] = publishedResults(node.ctx.conn),
  timers: Pick<CertificatesDeps, "lapseCheckMs" | "keyRotationCheckMs" | "statusIndexSource"> & {
    /** Replaces some of registration's reads (a test that asks which photo was read). */
    candidates?: Partial<CertificatesDeps["candidates"]>;
  } = {},
) {
  const { conn, config } = node.ctx;
  const registration = createRegistrationService(conn, {
    timeZone: config.timeZone,
    provinceCode: config.provinceCode,
  });
  const organisation = createOrganisationService(conn, config.provinceCode, undefined, {
    timeZone: config.timeZone,
  });
  const scheduling = createSchedulingService(conn, {
    timeZone: config.timeZone,
    provinceCode: config.provinceCode,
    organisation,
    registration,
  });
  const { candidates, ...rest } = timers;
  return createCertificatesFeature(node.ctx, {
    candidates: { ...registration, ...candidates },
    sessions: scheduling,
    results,
    divisionName: divisionFullName,
    access: accessTrustingActors(scheduling),
    audit,
    clock,
    ...rest,
  });
}

/**
 * Marks a session's results published as exam delivery's publication would (a certificate waits
 * for it); the report is a stand-in, as these tests read only that the publication exists.
 */
export async function publishResultsOf(node: Pick<TestNode, "ctx">, sessionId: string): Promise<void> {
  const publishedAt = new Date();
  await node.ctx.conn
    .collection("exam_publications")
    .updateOne(
      { sessionId },
      { $setOnInsert: { sessionId, publishedAt, publishedBy: "测试经办", report: {} } },
      { upsert: true },
    );
  // As publication does: the session's results become official.
  await node.ctx.conn
    .collection("exam_results")
    .updateMany({ sessionId, official: { $ne: true } }, { $set: { official: true, publishedAt } });
}

/**
 * The result record a graded pass leaves (what issuing checks the pass against), official when
 * its session is already published.
 */
export async function recordPassResult(
  node: Pick<TestNode, "ctx">,
  pass: DomainEvents["exam.passed"],
): Promise<void> {
  const published =
    (await node.ctx.conn.collection("exam_publications").countDocuments({ sessionId: pass.sessionId })) > 0;
  await node.ctx.conn.collection("exam_results").insertOne({
    attemptId: pass.attemptId,
    sessionId: pass.sessionId,
    candidateId: pass.candidateId,
    categoryCode: pass.categoryCode,
    score: pass.score,
    totalPoints: 100,
    passMark: pass.passMark,
    passed: true,
    submittedAt: new Date(pass.submittedAt),
    closeReason: "candidate",
    chainHash: pass.chainHash,
    official: published,
    ...(published ? { publishedAt: new Date() } : {}),
  });
}

let seq = 0;
/**
 * A registered candidate and the `exam.passed` event of one of their attempts; its session's
 * results are published unless `published` is false.
 */
export async function aPass(
  node: TestNode,
  categoryCode = "01001",
  { published = true, candidate = {} }: { published?: boolean; candidate?: CandidateOptions } = {},
): Promise<DomainEvents["exam.passed"]> {
  const c = await registerTestCandidate(node, { categories: [categoryCode as "01001"], ...candidate });
  seq += 1;
  const sessionId = `session-${Date.now()}-${seq}`;
  if (published) await publishResultsOf(node, sessionId);
  const pass: DomainEvents["exam.passed"] = {
    attemptId: `attempt-${Date.now()}-${seq}`,
    candidateId: c.id,
    idNumber: c.idNumber,
    name: c.name,
    categoryCode,
    sessionId,
    score: 92,
    passMark: 80,
    submittedAt: new Date().toISOString(),
    chainHash: "c3".repeat(32),
    provinceCode: node.ctx.config.provinceCode ?? "",
  };
  await recordPassResult(node, pass);
  return pass;
}

export const officer = {
  id: "officer-1",
  kind: "staff" as const,
  roles: ["officer" as const],
  displayName: "测试经办",
  divisionCode: "320000",
  provinceCode: "320000",
};

type Instance = ReturnType<typeof anotherInstance>;

/** The pending issuance `pass` made on `inst` (delivering the pass first), by its id. */
export async function pendingIssuanceOf(inst: Instance, pass: DomainEvents["exam.passed"]): Promise<string> {
  await inst.facade.issuance.onExamPassed(pass);
  const pending = (await inst.facade.issuance.page(officer, { status: "pending" })).issuances.find(
    (p) => p.attemptId === pass.attemptId,
  );
  if (!pending) throw new Error(`no pending issuance for ${pass.attemptId}`);
  return String(pending._id);
}

/** What issuing `issuanceId` on `inst` threw (undefined: it did not throw). */
export async function issueError(inst: Instance, issuanceId: string): Promise<unknown> {
  let error: unknown;
  await inst.facade.issuance.issue(officer, issuanceId).catch((e: unknown) => (error = e));
  return error;
}

/**
 * A refused issuance left nothing behind: still pending, and no certificate, audit entry or outbox
 * entry of the holder.
 */
export async function expectNothingIssued(node: TestNode, pass: DomainEvents["exam.passed"]): Promise<void> {
  const db = node.ctx.conn;
  expect(await db.collection("certificate_issuances").findOne({ attemptId: pass.attemptId })).to.include({
    status: "pending",
  });
  expect(await db.collection("certificates").countDocuments({ certificateNo: pass.idNumber })).to.equal(0);
  expect(await db.collection("audit_log").countDocuments({ "target.id": pass.idNumber })).to.equal(0);
  expect(await outboxModel(db).countDocuments({ key: new RegExp(pass.idNumber) })).to.equal(0);
}

/** Re-exported for the certificate suites: the one wait for the hub to list a node's keys. */
export { hubListsKeysOf } from "../hub/support.js";
