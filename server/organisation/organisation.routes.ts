import type { Router } from "express";
import { z } from "zod";
import { DivisionCode } from "../contracts/auth.js";
import {
  CreateAuthorityBody,
  CreateRoomBody,
  CreateTestCentreBody,
  UpdateAuthorityBody,
  UpdateSeatBody,
  UpdateTestCentreBody,
} from "../contracts/organisation.js";
import { actingUser, requireAuth, requireRole } from "../auth/guards.js";
import { strictRouter, parse } from "../lib/http.js";
import type { AuditService } from "../audit/index.js";
import type { OrganisationService } from "./organisation.service.js";

const IdParam = z.string().min(1).max(64);
const DivisionsQuery = z.object({ parent: DivisionCode.optional() }).strict();

/** REST for divisions, authorities and test centres. Admins set up; officers and proctors read. */
export function organisationRouter(org: OrganisationService, audit: AuditService): Router {
  const r = strictRouter();

  r.get("/divisions", requireAuth, (req, res) => {
    const q = parse(DivisionsQuery, req.query);
    res.json({ divisions: org.listDivisions(q.parent) });
  });

  r.get("/authorities", requireRole("admin", "officer"), async (req, res) => {
    res.json({ authorities: await org.listAuthorities(actingUser(req)) });
  });
  r.post("/authorities", requireRole("admin"), async (req, res) => {
    const actor = actingUser(req);
    const authority = await org.createAuthority(actor, parse(CreateAuthorityBody, req.body));
    await audit.record({
      action: "authority.created",
      actor,
      divisionCode: authority.divisionCode,
      target: { type: "authority", id: authority.id },
      details: { name: authority.name },
    });
    res.status(201).json({ authority });
  });
  r.patch("/authorities/:id", requireRole("admin"), async (req, res) => {
    const actor = actingUser(req);
    const authority = await org.updateAuthority(
      actor,
      parse(IdParam, req.params.id),
      parse(UpdateAuthorityBody, req.body),
    );
    await audit.record({
      action: "authority.updated",
      actor,
      divisionCode: authority.divisionCode,
      target: { type: "authority", id: authority.id },
    });
    res.json({ authority });
  });

  r.get("/test-centres", requireRole("admin", "officer", "proctor"), async (req, res) => {
    res.json({ testCentres: await org.listTestCentres(actingUser(req)) });
  });
  r.post("/test-centres", requireRole("admin"), async (req, res) => {
    const actor = actingUser(req);
    const testCentre = await org.createTestCentre(actor, parse(CreateTestCentreBody, req.body));
    await audit.record({
      action: "test_centre.created",
      actor,
      divisionCode: testCentre.divisionCode,
      target: { type: "test_centre", id: testCentre.id },
      details: { name: testCentre.name },
    });
    res.status(201).json({ testCentre });
  });
  r.get("/test-centres/:id", requireRole("admin", "officer", "proctor"), async (req, res) => {
    res.json({ testCentre: await org.getTestCentre(actingUser(req), parse(IdParam, req.params.id)) });
  });
  r.patch("/test-centres/:id", requireRole("admin"), async (req, res) => {
    const actor = actingUser(req);
    const testCentre = await org.updateTestCentre(
      actor,
      parse(IdParam, req.params.id),
      parse(UpdateTestCentreBody, req.body),
    );
    await audit.record({
      action: "test_centre.updated",
      actor,
      divisionCode: testCentre.divisionCode,
      target: { type: "test_centre", id: testCentre.id },
    });
    res.json({ testCentre });
  });
  r.post("/test-centres/:id/rooms", requireRole("admin"), async (req, res) => {
    const actor = actingUser(req);
    const id = parse(IdParam, req.params.id);
    const room = await org.addRoom(actor, id, parse(CreateRoomBody, req.body));
    await audit.record({
      action: "room.created",
      actor,
      target: { type: "test_centre", id },
      details: { roomId: room.id, name: room.name, seats: room.seats.length },
    });
    res.status(201).json({ room });
  });
  r.patch("/test-centres/:id/rooms/:roomId/seats/:seatId", requireRole("admin"), async (req, res) => {
    const actor = actingUser(req);
    const id = parse(IdParam, req.params.id);
    const body = parse(UpdateSeatBody, req.body);
    const result = await org.updateSeat(
      actor,
      id,
      parse(IdParam, req.params.roomId),
      parse(IdParam, req.params.seatId),
      body,
    );
    await audit.record({
      action: "seat.updated",
      actor,
      target: { type: "seat", id: result.seat.id },
      details: {
        testCentreId: id,
        ip: result.seat.ip,
        tokenIssued: Boolean(result.seatToken),
        tokenCleared: Boolean(body.clearToken),
      },
    });
    res.json(result);
  });

  return r;
}
