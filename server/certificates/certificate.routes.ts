import express, { type RequestHandler, type Router } from "express";
import { z } from "zod";
import {
  CancelBody,
  CertificateListQuery,
  IssuanceListQuery,
  ReasonBody,
  VerifyBody,
  TransferIssueBody,
} from "../contracts/certificates.js";
import { RecordId } from "../contracts/auth.js";
import { IdNumber } from "../contracts/validation.js";
import { actorOf, type Access } from "../access/index.js";
import { isKnownDivision } from "../organisation/index.js";
import { AppError, errors } from "../lib/errors.js";
import { noBody, noQuery, parse, strictRouter } from "../lib/http.js";
import type { CertificatesFacade } from "./certificates.feature.js";
import { MAX_VERIFY_PDF_BYTES } from "./crypto/pdf-payload.js";
import { toCertificateDto, toIssuanceDto } from "./presenters.js";

/** Ids of records that are ObjectIds, lower-cased: the form every reference to them stores. */
const IdParam = RecordId;
const CaseId = z.string().regex(/^[A-Za-z0-9-]{8,64}$/);
/** A certificate's number is its holder's ID number. */
const CertificateNo = IdNumber;
/**
 * Which of the node's signing keys to rotate; named, never defaulted, for a change this grave.
 * `expectKid`: the key the admin saw open (a kid is 11 base64url characters, crypto/suites.ts
 * `keyIdOf`; older files' kids may differ, hence only the alphabet and a bound): a page left open
 * while another admin rotated is refused instead of ending the key that rotation just made.
 */
const RotateKeyBody = z.strictObject({
  purpose: z.enum(["certificate", "trust-list"]),
  expectKid: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/)
    .optional(),
  /** A leaked certificate key: the new key signs at once, with no lead (key-rotation.ts `rotate`). */
  immediate: z.boolean().optional(),
});

/**
 * A transfer issuance's holder address, checked as registration checks one: a current division
 * (GB/T 2260, organisation's list), not any six digits, as the new certificate prints its name.
 */
const TransferIssueInput = TransferIssueBody.refine(
  (b) => !b.holder || isKnownDivision(b.holder.addressDivisionCode),
  { message: "不是现行行政区划，请选择住址所在的区县", path: ["holder", "addressDivisionCode"] },
);

const rawPdf = express.raw({ type: () => true, limit: MAX_VERIFY_PDF_BYTES });
/**
 * The uploaded file's bytes, refused when larger than any certificate PDF can be (the body parser
 * stops at the limit, or at once on a larger Content-Length) with the upload's own code and limit.
 */
const pdfUpload: RequestHandler = (req, res, next) => {
  rawPdf(req, res, (err?: unknown) => {
    if ((err as { type?: unknown } | undefined)?.type === "entity.too.large") {
      next(
        new AppError(
          "pdf_too_large",
          413,
          `PDF 文件超过 ${MAX_VERIFY_PDF_BYTES / 1024 / 1024} MB：签发的证书 PDF 远小于此，请上传原始文件，或扫描证书上的二维码验证`,
        ),
      );
      return;
    }
    next(err);
  });
};

/**
 * Public: trust list, trust anchors, status list and verification (text or PDF), for anyone.
 * Officers: pending issuances, issue/reject, the certificate view and PDF, renew, cancel, revoke,
 * withdraw; the admission ticket PDF for officers and for the candidate themself. Province-level
 * admins: rotating a signing key, and reading how a rotation goes (its lead).
 */
export function certificatesRouter(c: CertificatesFacade, access: Access): Router {
  const r = strictRouter();
  const pdf = (res: express.Response, name: string, body: Buffer) => {
    res.setHeader("cache-control", "private, no-store");
    res.setHeader("content-disposition", `inline; filename="${name}"`);
    res.type("application/pdf").send(body);
  };

  r.get("/certificates/trust-list", noQuery, async (_req, res) => {
    res.json(await c.signing.trustListDocument());
  });
  r.get("/certificates/trust-anchors", noQuery, async (_req, res) => {
    res.json(await c.signing.trustAnchors());
  });
  r.get("/certificates/status-list", noQuery, async (_req, res) => {
    res.setHeader("cache-control", "public, max-age=60");
    res.json(await c.signing.statusListDocument());
  });
  r.post("/certificates/verify", async (req, res) => {
    res.json(await c.verifyText(parse(VerifyBody, req.body).text));
  });
  // A PDF upload: the QR text roadcert embeds in the file's Info dictionary is verified. A JSON
  // body (parsed before this route) is not a file: its fields are refused, not verified as nothing.
  r.post("/certificates/verify-pdf", noBody, pdfUpload, async (req, res) => {
    res.json(await c.verifyPdf(Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0)));
  });

  // What a rotation will do, for the page to say before the admin confirms one: the configured lead
  // of a certificate key rotation (KeyRotationSettingsDto). Its audience is the rotation's.
  r.get("/certificates/keys/rotation", access.route("certificate-key:rotate"), noQuery, (_req, res) => {
    res.json(c.keyRotation.settings());
  });
  // The operator's rotation (as `npm run cert:rotate-key`): claimed once across instances, refused
  // `key_rotation_in_progress` while another runs and `key_changed_since_viewed` when the key the
  // admin saw (`expectKid`) is no longer the open one, audited with the claim's completion.
  r.post("/certificates/keys/rotate", access.route("certificate-key:rotate"), async (req, res) => {
    const { purpose, expectKid, immediate } = parse(RotateKeyBody, req.body);
    const kid = await c.keyRotation.rotate(actorOf(req), purpose, expectKid, {
      immediate: immediate ?? false,
    });
    res.status(201).json({ purpose, kid });
  });

  r.get("/certificate-issuances", access.route("certificate:manage"), async (req, res) => {
    const q = parse(IssuanceListQuery, req.query);
    const { issuances, total, next } = await c.issuance.page(actorOf(req), q);
    res.json({ issuances: issuances.map(toIssuanceDto), total, next });
  });
  r.post("/certificate-issuances/:id/issue", access.route("certificate:manage"), noBody, async (req, res) => {
    res.status(201).json({ record: await c.issuance.issue(actorOf(req), parse(IdParam, req.params.id)) });
  });
  // Issuance on an agreed transfer (转籍换发): the case is the exchange's, the certificate ours.
  r.post("/certificate-transfers/:caseId/issue", access.route("certificate:manage"), async (req, res) => {
    if (!c.transfers) throw errors.notFound("转籍换发（本节点未接入跨省交换）");
    const body = parse(TransferIssueInput, req.body ?? {});
    res
      .status(201)
      .json({ record: await c.transfers.issue(actorOf(req), parse(CaseId, req.params.caseId), body) });
  });
  r.post("/certificate-issuances/:id/reject", access.route("certificate:manage"), async (req, res) => {
    await c.issuance.reject(actorOf(req), parse(IdParam, req.params.id), parse(ReasonBody, req.body).reason);
    res.status(204).end();
  });

  r.get("/certificates", access.route("certificate:manage"), async (req, res) => {
    const q = parse(CertificateListQuery, req.query);
    const found = await c.lifecycle.search(actorOf(req), q);
    res.json({
      certificates: found.certificates.map((d) => toCertificateDto(d, c.lifecycle.renewalOf(d))),
      total: found.total,
      next: found.next,
    });
  });
  r.get("/certificates/:no", access.route("certificate:manage"), noQuery, async (req, res) => {
    const doc = await c.lifecycle.get(actorOf(req), parse(CertificateNo, req.params.no));
    res.json({ certificate: toCertificateDto(doc, c.lifecycle.renewalOf(doc)) });
  });
  r.get("/certificates/:no/pdf", access.route("certificate:manage"), noQuery, async (req, res) => {
    const no = parse(CertificateNo, req.params.no);
    pdf(res, `certificate-${no}.pdf`, await c.certificatePdf(actorOf(req), no));
  });
  r.post("/certificates/:no/renew", access.route("certificate:manage"), noBody, async (req, res) => {
    res.json({ record: await c.lifecycle.renew(actorOf(req), parse(CertificateNo, req.params.no)) });
  });
  r.post("/certificates/:no/cancel", access.route("certificate:manage"), async (req, res) => {
    const body = parse(CancelBody, req.body);
    const no = parse(CertificateNo, req.params.no);
    res.json({
      record: await c.lifecycle.changeStatus(actorOf(req), no, "cancel", {
        reason: body.note,
        cancellation: body.reason,
      }),
    });
  });
  for (const action of ["revoke", "withdraw"] as const) {
    r.post(`/certificates/:no/${action}`, access.route("certificate:manage"), async (req, res) => {
      const no = parse(CertificateNo, req.params.no);
      res.json({
        record: await c.lifecycle.changeStatus(actorOf(req), no, action, parse(ReasonBody, req.body)),
      });
    });
  }

  r.get(
    "/exam-sessions/:id/tickets/:candidateId/pdf",
    access.route("certificate:manage"),
    noQuery,
    async (req, res) => {
      const candidateId = parse(IdParam, req.params.candidateId);
      pdf(
        res,
        `admission-ticket-${candidateId}.pdf`,
        await c.ticketPdf(actorOf(req), { sessionId: parse(IdParam, req.params.id), candidateId }),
      );
    },
  );
  // Scheduling scopes the seat map: officers of its division, proctors of its test centre.
  r.get("/exam-sessions/:id/seating-plan.pdf", access.route("session:list"), noQuery, async (req, res) => {
    const sessionId = parse(IdParam, req.params.id);
    pdf(res, `seating-plan-${sessionId}.pdf`, await c.seatingPlanPdf(actorOf(req), sessionId));
  });
  r.get("/me/admission-ticket/pdf", access.route("ticket:read-own"), noQuery, async (req, res) => {
    pdf(res, "admission-ticket.pdf", await c.ticketPdf(actorOf(req), null));
  });
  return r;
}
