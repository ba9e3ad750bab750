import type { Router } from "express";
import { actorOf, type Access } from "../access/index.js";
import { RecordId } from "../contracts/auth.js";
import {
  ApplyForCategoriesBody,
  CorrectCandidateBody,
  ListCandidatesQuery,
  PrecheckBody,
  RegisterCandidateBody,
  ReplacePhotoBody,
  WithdrawCandidateBody,
} from "../contracts/registration.js";
import { RegistrationImportBody } from "../contracts/registration-import.js";
import { noBody, noQuery, parse, strictRouter } from "../lib/http.js";
import { registrationImportTemplate } from "./import-template.js";
import type { RegistrationService } from "./registration.service.js";

/**
 * Candidate and import ids, canonical: a candidate typed in upper case was found, then checked for
 * an open seat by the id as typed, against seats that store it in lower case, and so withdrawn
 * while seated.
 */
const IdParam = RecordId;

/**
 * Officers register candidates, read, correct, extend (more categories) and withdraw those of their division; nobody else
 * sees them here.
 */
export function registrationRouter(reg: RegistrationService, access: Access): Router {
  const r = strictRouter();

  r.post("/candidates/precheck", access.route("candidate:manage"), async (req, res) => {
    res.json(await reg.precheck(actorOf(req), parse(PrecheckBody, req.body)));
  });

  r.post("/candidates", access.route("candidate:manage"), async (req, res) => {
    const actor = actorOf(req);
    const candidate = await reg.register(actor, parse(RegisterCandidateBody, req.body));
    res.status(201).json({ candidate });
  });

  r.get("/candidates/import-template", access.route("candidate:manage"), noQuery, async (_req, res) => {
    res.setHeader("content-disposition", `attachment; filename*=UTF-8''${encodeURIComponent("报名导入模板.xlsx")}`);
    res.type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet").send(await registrationImportTemplate());
  });

  // The dry run: nothing is registered, every row is reported.
  r.post("/candidates/imports", access.route("candidate:manage"), async (req, res) => {
    res.json(await reg.previewImport(actorOf(req), parse(RegistrationImportBody, req.body)));
  });

  r.post("/candidates/imports/:id/confirm", access.route("candidate:manage"), noBody, async (req, res) => {
    res.status(201).json(await reg.confirmImport(actorOf(req), parse(IdParam, req.params.id)));
  });

  r.get("/candidates", access.route("candidate:manage"), async (req, res) => {
    res.json(await reg.page(actorOf(req), parse(ListCandidatesQuery, req.query)));
  });

  r.get("/candidates/:id", access.route("candidate:manage"), noQuery, async (req, res) => {
    res.json({ candidate: await reg.get(actorOf(req), parse(IdParam, req.params.id)) });
  });

  r.patch("/candidates/:id", access.route("candidate:manage"), async (req, res) => {
    const id = parse(IdParam, req.params.id);
    await reg.correct(actorOf(req), id, parse(CorrectCandidateBody, req.body));
    res.json({ candidate: await reg.get(actorOf(req), id) });
  });

  r.post("/candidates/:id/categories", access.route("candidate:manage"), async (req, res) => {
    const id = parse(IdParam, req.params.id);
    await reg.applyForCategories(actorOf(req), id, parse(ApplyForCategoriesBody, req.body));
    res.json({ candidate: await reg.get(actorOf(req), id) });
  });

  r.post("/candidates/:id/withdraw", access.route("candidate:manage"), async (req, res) => {
    const id = parse(IdParam, req.params.id);
    const { reason } = parse(WithdrawCandidateBody, req.body);
    await reg.withdraw(actorOf(req), id, reason);
    res.json({ candidate: await reg.get(actorOf(req), id) });
  });

  r.get("/candidates/:id/photo", access.route("candidate:manage"), noQuery, async (req, res) => {
    const photo = await reg.getPhotoFor(actorOf(req), parse(IdParam, req.params.id));
    res.setHeader("cache-control", "private, no-store");
    res.type(photo.mimeType).send(photo.data);
  });

  // Asked by the candidate list before 更换照片 opens: the refusal the replacement would meet, or null.
  r.get("/candidates/:id/photo-refusal", access.route("candidate:manage"), noQuery, async (req, res) => {
    res.json({ refusal: await reg.photoRefusal(actorOf(req), parse(IdParam, req.params.id)) });
  });

  // 更换照片: the earlier photo is kept (a certificate prints the one it recorded at issue).
  r.put("/candidates/:id/photo", access.route("candidate:manage"), async (req, res) => {
    const id = parse(IdParam, req.params.id);
    res.json({ candidate: await reg.replacePhoto(actorOf(req), id, parse(ReplacePhotoBody, req.body)) });
  });

  return r;
}
