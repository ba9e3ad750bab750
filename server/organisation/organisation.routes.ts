import type { Router } from "express";
import { actorOf, type Access } from "../access/index.js";
import { z } from "zod";
import { DivisionCode, RecordId } from "../contracts/auth.js";
import {
  CreateAuthorityBody,
  CreateRoomBody,
  CreateTestCentreBody,
  RenameRoomBody,
  UpdateAuthorityBody,
  UpdateSeatBody,
  UpdateTestCentreBody,
} from "../contracts/organisation.js";
import { noQuery, parse, strictRouter } from "../lib/http.js";
import type { OrganisationService } from "./organisation.service.js";

/** Ids of records that are ObjectIds, lower-cased: the form every reference to them stores. */
const IdParam = RecordId;
const DivisionsQuery = z.object({ parent: DivisionCode.optional() }).strict();
const NoBody = z.object({}).strict();

/**
 * REST for divisions, authorities and test centres. Admins set up, edit and retire (停用: refused
 * while still in use); officers and proctors read.
 */
export function organisationRouter(org: OrganisationService, access: Access): Router {
  const r = strictRouter();

  r.get("/divisions", access.route("division:read"), (req, res) => {
    const q = parse(DivisionsQuery, req.query);
    res.json({ divisions: org.listDivisions(q.parent) });
  });

  r.get("/authorities", access.route("authority:read"), noQuery, async (req, res) => {
    res.json({ authorities: await org.listAuthorities(actorOf(req)) });
  });
  r.post("/authorities", access.route("organisation:manage"), async (req, res) => {
    const actor = actorOf(req);
    const authority = await org.createAuthority(actor, parse(CreateAuthorityBody, req.body));
    res.status(201).json({ authority });
  });
  r.patch("/authorities/:id", access.route("organisation:manage"), async (req, res) => {
    const actor = actorOf(req);
    const authority = await org.updateAuthority(
      actor,
      parse(IdParam, req.params.id),
      parse(UpdateAuthorityBody, req.body),
    );
    res.json({ authority });
  });

  r.post("/authorities/:id/retire", access.route("organisation:manage"), async (req, res) => {
    parse(NoBody, req.body ?? {});
    await org.retireAuthority(actorOf(req), parse(IdParam, req.params.id));
    res.status(204).end();
  });

  r.get("/test-centres", access.route("test-centre:read"), noQuery, async (req, res) => {
    res.json({ testCentres: await org.listTestCentres(actorOf(req)) });
  });
  r.post("/test-centres", access.route("organisation:manage"), async (req, res) => {
    const actor = actorOf(req);
    const testCentre = await org.createTestCentre(actor, parse(CreateTestCentreBody, req.body));
    res.status(201).json({ testCentre });
  });
  r.get("/test-centres/:id", access.route("test-centre:read"), noQuery, async (req, res) => {
    res.json({ testCentre: await org.getTestCentre(actorOf(req), parse(IdParam, req.params.id)) });
  });
  r.patch("/test-centres/:id", access.route("organisation:manage"), async (req, res) => {
    const actor = actorOf(req);
    const testCentre = await org.updateTestCentre(
      actor,
      parse(IdParam, req.params.id),
      parse(UpdateTestCentreBody, req.body),
    );
    res.json({ testCentre });
  });
  r.post("/test-centres/:id/retire", access.route("organisation:manage"), async (req, res) => {
    parse(NoBody, req.body ?? {});
    await org.retireTestCentre(actorOf(req), parse(IdParam, req.params.id));
    res.status(204).end();
  });
  r.patch("/test-centres/:id/rooms/:roomId", access.route("organisation:manage"), async (req, res) => {
    const { name } = parse(RenameRoomBody, req.body);
    await org.renameRoom(actorOf(req), parse(IdParam, req.params.id), parse(IdParam, req.params.roomId), name);
    res.status(204).end();
  });
  r.post("/test-centres/:id/rooms/:roomId/retire", access.route("organisation:manage"), async (req, res) => {
    parse(NoBody, req.body ?? {});
    await org.retireRoom(actorOf(req), parse(IdParam, req.params.id), parse(IdParam, req.params.roomId));
    res.status(204).end();
  });
  r.post("/test-centres/:id/rooms", access.route("organisation:manage"), async (req, res) => {
    const actor = actorOf(req);
    const id = parse(IdParam, req.params.id);
    const room = await org.addRoom(actor, id, parse(CreateRoomBody, req.body));
    res.status(201).json({ room });
  });
  r.patch(
    "/test-centres/:id/rooms/:roomId/seats/:seatId",
    access.route("organisation:manage"),
    async (req, res) => {
      const actor = actorOf(req);
      const id = parse(IdParam, req.params.id);
      const body = parse(UpdateSeatBody, req.body);
      const result = await org.updateSeat(
        actor,
        id,
        parse(IdParam, req.params.roomId),
        parse(IdParam, req.params.seatId),
        body,
      );
      res.json(result);
    },
  );

  return r;
}
