import {
  Types,
  type ClientSession,
  type Connection,
  type Model,
  type QueryFilter,
  type UpdateQuery,
} from "mongoose";
import type { z } from "zod";
import type { AuthUser } from "../contracts/auth.js";
import type {
  AuthorityDto,
  CreateAuthorityBody,
  CreateTestCentreBody,
  DivisionDto,
  TestCentreDto,
  UpdateAuthorityBody,
  UpdateTestCentreBody,
} from "../contracts/organisation.js";
import { canSeeDivision, divisionFilter, divisionLevel, MINISTRY_CODE, provinceOf } from "../access/index.js";
import { createAuditService, type AuditLog } from "../audit/index.js";
import { errors } from "../lib/errors.js";
import { claimInTransaction } from "../lib/mongo.js";
import {
  childDivisions,
  divisionFullName,
  isGroupDivision,
  isKnownDivision,
} from "./division-scope.js";
import { DIVISIONS } from "./divisions.data.js";
import { authorityModel, testCentreModel } from "./organisation.model.js";
import { toAuthorityDto, toCentreDto, toDivisionDto } from "./presenters.js";
import { createRetirement, type RoomUsePort, type SessionNames } from "./retirement.js";
import { createRoomPorts } from "./room-ports.js";
import { createRoomsAndSeats } from "./rooms-and-seats.js";

/**
 * Where this node keeps a body or a staff member: the hub keeps the ministry level only (a
 * province's authorities and people live on its own node, which works under them; a copy on the
 * hub would be read by nothing, and a hub account in a province division saw an empty audit log),
 * a province node its own province, each inside the actor's scope.
 */
export function assertNodeDivision(
  actor: AuthUser,
  divisionCode: string,
  nodeProvince: string | null,
  what: "机构" | "工作人员",
): void {
  if (!nodeProvince && divisionCode !== MINISTRY_CODE)
    throw errors.unprocessable(
      "province_data_on_hub",
      `全国数据共享平台只登记部级${what}，省、市、县的${what}由各省节点管理`,
    );
  assertDivisionInScope(actor, divisionCode, nodeProvince);
  assertNotGroupDivision(divisionCode);
}

/**
 * Refuses a GB/T 2260 group entry (省直辖县级行政区划 and the like) as the division of an account or
 * a body: it only groups county-level cities, and the refusal names them.
 */
export function assertNotGroupDivision(code: string): void {
  if (!isGroupDivision(code)) return;
  const cities = childDivisions(code).map((d) => d.name);
  throw errors.badRequest(
    "group_division",
    `${divisionFullName(code) ?? code}只是县级市的分组，不是一个行政区划，请选择其下的县级市：${cities.join("、")}`,
  );
}

/**
 * Refuses when the division lies outside what the actor may act on (403), or, on a province node,
 * outside the node's province.
 */
export function assertDivisionInScope(
  actor: AuthUser,
  divisionCode: string,
  nodeProvince: string | null,
): void {
  if (!nodeProvince && divisionCode === MINISTRY_CODE && canSeeDivision(actor.divisionCode, divisionCode))
    return;
  if (!isKnownDivision(divisionCode))
    throw errors.badRequest("unknown_division", `行政区划代码 ${divisionCode} 不存在`);
  if (nodeProvince && provinceOf(divisionCode) !== nodeProvince) {
    throw errors.forbidden("该行政区划不属于本省节点", "division_out_of_scope");
  }
  if (!canSeeDivision(actor.divisionCode, divisionCode)) {
    throw errors.forbidden("无权操作该行政区划的数据", "division_out_of_scope");
  }
}

/** A changed field as the audit log records it: what it held and what it holds now. */
type Change = { from: string | null; to: string | null };

const authorityRetired = () =>
  errors.conflict("authority_retired", "该运管机构已停用，不能再设立隶属于它的考点");
const authorityRetiredEdit = () => errors.conflict("authority_retired", "该运管机构已停用，不能再修改");
const centreRetiredEdit = () => errors.conflict("test_centre_retired", "该考点已停用，不能再修改");

/**
 * Inside `session`: the changed fields (each to its `to`) written on the document only while it is
 * not retired, else `retired()` is thrown. A save of the copy read before the transaction wrote
 * over a retirement committed meanwhile. With nothing changed, only looked at.
 */
async function writeWhileInUse<T>(
  model: Model<T>,
  id: Types.ObjectId,
  changes: Record<string, Change>,
  session: ClientSession,
  retired: () => Error,
): Promise<void> {
  const set = Object.fromEntries(Object.entries(changes).map(([field, change]) => [field, change.to]));
  const inUse = { _id: id, retiredAt: null } as QueryFilter<T>;
  const found =
    Object.keys(set).length > 0
      ? (await model.updateOne(inUse, { $set: set } as UpdateQuery<T>, { session })).matchedCount === 1
      : Boolean(await model.exists(inUse).session(session));
  if (!found) throw retired();
}

/** Organisation: divisions, authorities (运管机构), test centres (考点) with rooms and seats. */
export function createOrganisationService(
  conn: Connection,
  nodeProvince: string | null,
  /** Where changes are audited, inside their own transaction (default: this database's log). */
  audit: AuditLog = createAuditService(conn),
  options: {
    /** Scheduling's view of a room's sessions (retiring a room in use is refused); set once wired. */
    roomUse?: () => RoomUsePort | undefined;
    /**
     * The node's time zone (config.timeZone): refusals name a room's sessions as the office reads
     * them. Required: a China default wrote Beijing's times on a node configured for another zone.
     */
    timeZone: string;
    now?: () => Date;
  },
) {
  // Checked here too for callers without the types (scripts run by tsx): an absent zone would write
  // times in the server process's own zone, silently.
  if (!options?.timeZone)
    throw new Error("organisation: options.timeZone (the node's config.timeZone) is required");
  const Authorities = authorityModel(conn);
  const Centres = testCentreModel(conn);

  async function loadCentre(actor: AuthUser, id: string) {
    if (!Types.ObjectId.isValid(id)) throw errors.notFound("考点");
    const centre = await Centres.findById(id);
    if (!centre || !canSeeDivision(actor.divisionCode, centre.divisionCode)) throw errors.notFound("考点");
    if (actor.roles.includes("proctor") && !actor.roles.some((r) => r === "admin" || r === "officer")) {
      if (actor.testCentreId !== String(centre._id)) throw errors.notFound("考点");
    }
    return centre;
  }

  const now = options.now ?? (() => new Date());
  /**
   * The new names, in the rename's transaction, on the sessions that have not ended: a ticket
   * printed after the change names the centre and room the candidate will find. 0 while
   * scheduling is not wired (a node without it has no sessions).
   */
  async function renameInSessions(
    where: { testCentreId: string; roomId?: string },
    names: SessionNames,
    session: ClientSession,
  ): Promise<number> {
    const port = options.roomUse?.();
    return port ? port.renameInSessions(where, names, now(), session) : 0;
  }

  const retirement = createRetirement({
    Authorities,
    Centres,
    audit,
    loadCentre,
    roomUse: () => options.roomUse?.(),
    renameInSessions,
    timeZone: options.timeZone,
    now,
  });

  return {
    ...retirement,
    ...createRoomPorts(Centres),
    ...createRoomsAndSeats({ Centres, audit, loadCentre }),

    /** Divisions under `parent` (default: the node's province, or all provinces on the hub). */
    listDivisions(parent?: string): DivisionDto[] {
      if (parent) return childDivisions(parent).map((d) => toDivisionDto(d.code));
      if (nodeProvince) {
        return DIVISIONS.filter((d) => provinceOf(d.code) === nodeProvince).map((d) => toDivisionDto(d.code));
      }
      return DIVISIONS.filter((d) => divisionLevel(d.code) === "province").map((d) => toDivisionDto(d.code));
    },

    async listAuthorities(actor: AuthUser): Promise<AuthorityDto[]> {
      const rows = await Authorities.find(divisionFilter(actor.divisionCode))
        .sort({ divisionCode: 1, name: 1 })
        .lean();
      return rows.map(toAuthorityDto);
    },

    async createAuthority(actor: AuthUser, body: z.infer<typeof CreateAuthorityBody>): Promise<AuthorityDto> {
      assertNodeDivision(actor, body.divisionCode, nodeProvince, "机构");
      const a = await audit.transaction(async (session) => {
        const [created] = await Authorities.create(
          [{ name: body.name, divisionCode: body.divisionCode, phone: body.phone ?? null }],
          { session },
        );
        if (!created) throw new Error("authority not written");
        await audit.append(session, {
          action: "authority.created",
          actor,
          divisionCode: created.divisionCode,
          target: { type: "authority", id: String(created._id) },
          details: { name: created.name },
        });
        return created;
      });
      return toAuthorityDto(a);
    },

    async updateAuthority(
      actor: AuthUser,
      id: string,
      body: z.infer<typeof UpdateAuthorityBody>,
    ): Promise<AuthorityDto> {
      if (!Types.ObjectId.isValid(id)) throw errors.notFound("运管机构");
      const a = await Authorities.findById(id);
      if (!a || !canSeeDivision(actor.divisionCode, a.divisionCode)) throw errors.notFound("运管机构");
      if (a.retiredAt) throw authorityRetiredEdit();
      const changes: Record<string, Change> = {};
      if (body.name !== undefined && body.name !== a.name) {
        changes.name = { from: a.name, to: body.name };
        a.name = body.name;
      }
      if (body.phone !== undefined && body.phone !== (a.phone ?? null)) {
        changes.phone = { from: a.phone ?? null, to: body.phone };
        a.phone = body.phone;
      }
      // Nothing changed, nothing written: an entry with empty details tells a reviewer nothing.
      if (Object.keys(changes).length === 0) return toAuthorityDto(a);
      await audit.transaction(async (session) => {
        // Only while in use: a retirement committed since the read above refuses the edit.
        await writeWhileInUse(Authorities, a._id, changes, session, authorityRetiredEdit);
        await audit.append(session, {
          action: "authority.updated",
          actor,
          divisionCode: a.divisionCode,
          target: { type: "authority", id: String(a._id) },
          details: changes,
        });
      });
      return toAuthorityDto(a);
    },

    async listTestCentres(actor: AuthUser): Promise<TestCentreDto[]> {
      const filter: Record<string, unknown> = divisionFilter(actor.divisionCode);
      const onlyProctor =
        actor.roles.includes("proctor") && !actor.roles.some((r) => r === "admin" || r === "officer");
      if (onlyProctor) {
        if (!actor.testCentreId || !Types.ObjectId.isValid(actor.testCentreId)) return [];
        filter._id = actor.testCentreId;
      }
      const rows = await Centres.find(filter).sort({ divisionCode: 1, name: 1 }).lean();
      return rows.map(toCentreDto);
    },

    async getTestCentre(actor: AuthUser, id: string): Promise<TestCentreDto> {
      return toCentreDto(await loadCentre(actor, id));
    },

    async createTestCentre(
      actor: AuthUser,
      body: z.infer<typeof CreateTestCentreBody>,
    ): Promise<TestCentreDto> {
      // Exams are a province's business: the hub runs no sessions, so a centre there could never be used.
      if (!nodeProvince)
        throw errors.unprocessable("no_exams_on_hub", "全国数据共享平台不举办考试，不能添加考点");
      assertDivisionInScope(actor, body.divisionCode, nodeProvince);
      assertNotGroupDivision(body.divisionCode);
      // The authority's own id is stored, never the request's spelling of it (it is compared as text).
      let authorityId: string | null = null;
      if (body.authorityId) {
        const authority = Types.ObjectId.isValid(body.authorityId)
          ? await Authorities.findById(body.authorityId).lean()
          : null;
        if (!authority || !canSeeDivision(actor.divisionCode, authority.divisionCode)) {
          throw errors.badRequest("unknown_authority", "运管机构不存在");
        }
        if (authority.retiredAt) throw authorityRetired();
        authorityId = String(authority._id);
      }
      const c = await audit.transaction(async (session) => {
        // A write on the authority while it is in use: a retirement committing meanwhile conflicts
        // with this transaction, and the one retried sees the other (retireAuthority counts again).
        if (
          authorityId &&
          (await claimInTransaction(
            Authorities,
            { _id: authorityId, retiredAt: null },
            "centreClaims",
            session,
          )) !== 1
        )
          throw authorityRetired();
        const [created] = await Centres.create([{ ...body, authorityId, rooms: [] }], {
          session,
        });
        if (!created) throw new Error("test centre not written");
        await audit.append(session, {
          action: "test_centre.created",
          actor,
          divisionCode: created.divisionCode,
          target: { type: "test_centre", id: String(created._id) },
          details: { name: created.name },
        });
        return created;
      });
      return toCentreDto(c);
    },

    async updateTestCentre(
      actor: AuthUser,
      id: string,
      body: z.infer<typeof UpdateTestCentreBody>,
    ): Promise<TestCentreDto> {
      const c = await loadCentre(actor, id);
      if (c.retiredAt) throw centreRetiredEdit();
      const changes: Record<string, Change> = {};
      if (body.name !== undefined && body.name !== c.name) {
        changes.name = { from: c.name, to: body.name };
        c.name = body.name;
      }
      if (body.address !== undefined && body.address !== c.address) {
        changes.address = { from: c.address, to: body.address };
        c.address = body.address;
      }
      // Nothing changed, nothing written (the edit dialog sends every field): no empty audit entry.
      if (Object.keys(changes).length === 0) return toCentreDto(c);
      await audit.transaction(async (session) => {
        // Only while in use, as for an authority (a retired centre's sessions have all ended).
        await writeWhileInUse(Centres, c._id, changes, session, centreRetiredEdit);
        // Tickets of sessions still to come print the centre as it is now (see renameInSessions).
        const sessionsRenamed =
          changes.name || changes.address
            ? await renameInSessions(
                { testCentreId: String(c._id) },
                {
                  ...(changes.name ? { testCentreName: c.name } : {}),
                  ...(changes.address ? { testCentreAddress: c.address } : {}),
                },
                session,
              )
            : 0;
        await audit.append(session, {
          action: "test_centre.updated",
          actor,
          divisionCode: c.divisionCode,
          target: { type: "test_centre", id: String(c._id) },
          details: { ...changes, ...(sessionsRenamed ? { sessionsRenamed } : {}) },
        });
      });
      return toCentreDto(c);
    },

  };
}
export type OrganisationService = ReturnType<typeof createOrganisationService>;

