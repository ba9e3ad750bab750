import type { Router } from "express";
import { actorOf, type Access } from "../access/index.js";
import {
  CaseListQuery,
  CaseParams,
  NewFilingBody,
  NewNoticeBody,
  NewTransferBody,
  OfficerAckBody,
  OfficerDisputeWithdrawalBody,
  OfficerEndBody,
  PractitionerParams,
} from "../contracts/exchange.js";
import { DocumentParams, DocumentUploadBody } from "../contracts/exchange-documents.js";
import { noBody, noQuery, parse, strictRouter } from "../lib/http.js";
import type { PractitionerPages } from "./practitioner-page.js";
import type { ProvinceExchangeService } from "./province-exchange.service.js";

/**
 * The officer's exchange pages on a province node (the lookup that starts a case is sharing's
 * `/sharing/lookups`): new filings, transfers
 * and notices (out), received cases to answer (in), endings, the province level's escalations
 * and the practitioner page. Every route parses, asks the access layer, calls the service.
 */
export function provinceExchangeRouter(deps: { exchange: ProvinceExchangeService; pages: PractitionerPages; access: Access }): Router {
  const { exchange, access } = deps;
  const r = strictRouter();
  r.post("/exchange/filings", access.route("exchange:send"), async (req, res) => {
    const dto = await exchange.file(actorOf(req), parse(NewFilingBody, req.body));
    res.status(dto.state === "queued" ? 202 : 201).json(dto);
  });
  r.post("/exchange/transfers", access.route("exchange:send"), async (req, res) => {
    const dto = await exchange.transfer(actorOf(req), parse(NewTransferBody, req.body));
    res.status(dto.state === "queued" ? 202 : 201).json(dto);
  });
  r.post("/exchange/notices", access.route("exchange:send"), async (req, res) => {
    const dto = await exchange.notify(actorOf(req), parse(NewNoticeBody, req.body));
    res.status(dto.state === "queued" ? 202 : 201).json(dto);
  });
  r.post("/exchange/documents", access.route("exchange:send"), async (req, res) => {
    res.status(201).json(await exchange.uploadDocument(actorOf(req), parse(DocumentUploadBody, req.body)));
  });
  r.get("/exchange/cases/:caseId/documents/:sha256", access.route("exchange:read"), noQuery, async (req, res) => {
    const { caseId, sha256 } = parse(DocumentParams, req.params);
    const { entry, data } = await exchange.document(actorOf(req), caseId, sha256);
    res.setHeader("Content-Type", entry.mediaType);
    res.setHeader("Content-Disposition", `attachment; filename*=UTF-8''${encodeURIComponent(entry.name)}`);
    // RFC 9530: the digest the notice names, so the reader can check the bytes against the notice.
    res.setHeader("Content-Digest", `sha-256=:${Buffer.from(sha256, "hex").toString("base64")}:`);
    res.send(data);
  });
  r.get("/exchange/cases", access.route("exchange:read"), async (req, res) => {
    res.json(await exchange.list(actorOf(req), parse(CaseListQuery, req.query)));
  });
  r.get("/exchange/escalations", access.route("exchange:escalations"), noQuery, async (req, res) => {
    res.json(await exchange.escalations(actorOf(req)));
  });
  r.get("/exchange/cases/:caseId", access.route("exchange:read"), noQuery, async (req, res) => {
    res.json(await exchange.get(actorOf(req), parse(CaseParams, req.params).caseId));
  });
  r.post("/exchange/cases/:caseId/answer", access.route("exchange:answer"), async (req, res) => {
    res.json(await exchange.answer(actorOf(req), parse(CaseParams, req.params).caseId, parse(OfficerAckBody, req.body)));
  });
  // 撤回异议: the home province takes back its dispute of a notice, as it answered it.
  r.post("/exchange/cases/:caseId/dispute-withdrawal", access.route("exchange:answer"), async (req, res) => {
    const { caseId } = parse(CaseParams, req.params);
    res.json(await exchange.withdrawDispute(actorOf(req), caseId, parse(OfficerDisputeWithdrawalBody, req.body)));
  });
  r.post("/exchange/cases/:caseId/end", access.route("exchange:send"), async (req, res) => {
    res.json(await exchange.end(actorOf(req), parse(CaseParams, req.params).caseId, parse(OfficerEndBody, req.body)));
  });
  // 重新发送: the case's messages the sender gave up on go back in the queue (province-resend.ts).
  // Sending on the case's behalf, as its ending does; the case's division is the service's check.
  r.post("/exchange/cases/:caseId/resend", access.route("exchange:send"), noBody, async (req, res) => {
    res.json(await exchange.resend(actorOf(req), parse(CaseParams, req.params).caseId));
  });
  r.get("/practitioners/:idNumber", access.route("practitioner:read"), noQuery, async (req, res) => {
    res.json(await deps.pages.page(actorOf(req), parse(PractitionerParams, req.params).idNumber));
  });
  return r;
}
