import { createAuditService } from "../../../server/audit/index.js";
import { createCertificatesFeature } from "../../../server/certificates/index.js";
import { publishedResults } from "../../../server/exams/index.js";
import type { RunningNode } from "../../../server/main.js";
import { createOrganisationService, divisionFullName } from "../../../server/organisation/index.js";
import { createRegistrationService } from "../../../server/registration/index.js";
import { createSchedulingService } from "../../../server/scheduling/index.js";
import { accessTrustingActors } from "../../helpers/access.js";
import { registerTestCandidate } from "../../helpers/auth.js";
import { publishResultsOf, recordPassResult } from "../certificates/support.js";
import type { RbacFixtures, RbacRow } from "./rbac-types.js";
import { EVERYONE, routeRow } from "./row-builders.js";

/**
 * Rows of the certificates routes (`server/certificates/certificate.routes.ts`). Trust list, anchors,
 * status list and verification are public; everything else is the officer's, scoped to the division
 * of the session that ran the exam. Rows that change a certificate get a fresh one per request.
 */

const SYSTEM = {
  id: "rbac-cert",
  kind: "staff" as const,
  roles: ["officer" as const],
  displayName: "矩阵发证",
  divisionCode: "320000",
  provinceCode: "320000",
};

function certificates(node: RunningNode, clock?: () => Date) {
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
  return createCertificatesFeature(node.ctx, {
    candidates: registration,
    sessions: scheduling,
    results: publishedResults(conn),
    divisionName: divisionFullName,
    access: accessTrustingActors(scheduling),
    audit: createAuditService(conn),
    clock,
  }).facade;
}

/** A pending issuance in the own division (a pass of a fresh candidate in the own session). */
async function pendingIssuance(fx: RbacFixtures, clock?: () => Date) {
  const c = certificates(fx.node, clock);
  const candidate = await registerTestCandidate(fx.node, { divisionCode: fx.own.divisionCode });
  const attemptId = `rbac-${fx.unique()}`;
  const pass = {
    attemptId,
    candidateId: candidate.id,
    idNumber: candidate.idNumber,
    name: candidate.name,
    categoryCode: "01001",
    sessionId: fx.own.sessionId,
    score: 90,
    passMark: 80,
    submittedAt: new Date().toISOString(),
    chainHash: "ab".repeat(32),
    provinceCode: "320000",
  };
  await c.issuance.onExamPassed(pass);
  const pending = (await c.issuance.page(SYSTEM, { status: "pending" })).issuances.find(
    (p) => p.attemptId === attemptId,
  );
  if (!pending) throw new Error("no pending issuance");
  // Issuing waits for the results publication. The fixture session stays unpublished (other tables
  // read its live report), so the pass moves to a published stand-in session; its division stays.
  const publishedSession = `rbac-published-${attemptId}`;
  await recordPassResult(fx.node, { ...pass, sessionId: publishedSession });
  await publishResultsOf(fx.node, publishedSession);
  await fx.node.ctx.conn
    .collection("certificate_issuances")
    .updateOne({ attemptId }, { $set: { sessionId: publishedSession } });
  return { c, id: String(pending._id), idNumber: candidate.idNumber };
}

/** A certificate of the own division; `ageDays` back-dates its issue (renewal needs one near expiry). */
async function certificate(fx: RbacFixtures, ageDays = 0): Promise<string> {
  const at = new Date(Date.now() - ageDays * 86_400_000);
  const { c, id, idNumber } = await pendingIssuance(fx, () => at);
  await c.issuance.issue(SYSTEM, id);
  return idNumber;
}

const PUBLIC = EVERYONE;
const SIX_YEARS_LESS_A_MONTH = 6 * 365 - 30;

export const rows: RbacRow[] = [
  routeRow("get", "/certificates/trust-list", PUBLIC),
  routeRow("get", "/certificates/trust-anchors", PUBLIC),
  routeRow("get", "/certificates/status-list", PUBLIC),
  {
    method: "post",
    path: "/certificates/verify",
    access: PUBLIC,
    request: () => ({ url: "/api/certificates/verify", body: { text: "RC1:garbage" } }),
  },
  {
    method: "post",
    path: "/certificates/verify-pdf",
    access: PUBLIC,
    request: () => ({ url: "/api/certificates/verify-pdf", body: {} }),
  },
  // Rotating a signing key: province-level admins only (the matrix's admins are a city's).
  {
    method: "post",
    path: "/certificates/keys/rotate",
    access: {},
    request: () => ({ url: "/api/certificates/keys/rotate", body: { purpose: "trust-list" } }),
  },
  // How a rotation goes (its announcement lead): the rotation's audience, province-level admins only.
  routeRow("get", "/certificates/keys/rotation", {}),
  routeRow("get", "/certificate-issuances", { officer: "all" }),
  {
    method: "post",
    path: "/certificate-issuances/:id/issue",
    access: { officer: "own" },
    request: async (fx) => ({
      url: `/api/certificate-issuances/${(await pendingIssuance(fx)).id}/issue`,
      body: {},
    }),
  },
  {
    method: "post",
    path: "/certificate-issuances/:id/reject",
    access: { officer: "own" },
    request: async (fx) => ({
      url: `/api/certificate-issuances/${(await pendingIssuance(fx)).id}/reject`,
      body: { reason: "资料不全" },
    }),
  },
  routeRow("get", "/certificates", { officer: "all" }),
  {
    method: "get",
    path: "/certificates/:no",
    access: { officer: "own" },
    request: async (fx) => ({ url: `/api/certificates/${await certificate(fx)}` }),
  },
  {
    method: "get",
    path: "/certificates/:no/pdf",
    access: { officer: "own" },
    request: async (fx) => ({ url: `/api/certificates/${await certificate(fx)}/pdf` }),
  },
  {
    method: "post",
    path: "/certificates/:no/renew",
    access: { officer: "own" },
    request: async (fx) => ({
      url: `/api/certificates/${await certificate(fx, SIX_YEARS_LESS_A_MONTH)}/renew`,
      body: {},
    }),
  },
  {
    method: "post",
    path: "/certificates/:no/cancel",
    access: { officer: "own" },
    request: async (fx) => ({
      url: `/api/certificates/${await certificate(fx)}/cancel`,
      body: { reason: "holder_request" },
    }),
  },
  {
    method: "post",
    path: "/certificates/:no/revoke",
    access: { officer: "own" },
    request: async (fx) => ({
      url: `/api/certificates/${await certificate(fx)}/revoke`,
      body: { reason: "重大责任事故" },
    }),
  },
  {
    method: "post",
    path: "/certificates/:no/withdraw",
    access: { officer: "own" },
    request: async (fx) => ({
      url: `/api/certificates/${await certificate(fx)}/withdraw`,
      body: { reason: "以欺骗手段取得" },
    }),
  },
  {
    method: "get",
    path: "/exam-sessions/:id/tickets/:candidateId/pdf",
    access: { officer: "own" },
    request: (fx) => ({ url: `/api/exam-sessions/${fx.own.sessionId}/tickets/${fx.own.candidateId}/pdf` }),
  },
  {
    // The seat map's scope: officers of the session's division, proctors of its test centre.
    method: "get",
    path: "/exam-sessions/:id/seating-plan.pdf",
    access: { officer: "own", proctor: "own" },
    request: (fx) => ({ url: `/api/exam-sessions/${fx.own.sessionId}/seating-plan.pdf` }),
  },
  routeRow("get", "/me/admission-ticket/pdf", { candidate: "all" }),
];
