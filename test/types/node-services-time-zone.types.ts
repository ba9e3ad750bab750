/**
 * Type-level tests of the time zone registration, scheduling and organisation take, checked by
 * `npm run typecheck` (never run by mocha). Each `@ts-expect-error` line MUST fail to compile: the
 * zone was optional with China's as the fallback, so a caller that forgot it counted ages, wrote
 * ticket numbers' exam days and named sessions in refusals on Beijing's calendar on a node
 * configured (TIME_ZONE) for another. The node's zone is `config.timeZone`, named by every caller.
 */
import type { Connection } from "mongoose";
import { createOrganisationService } from "../../server/organisation/index.js";
import type { RegistrationOptions } from "../../server/registration/registration.service.js";
import type { SchedulingOptions } from "../../server/scheduling/scheduling-core.js";

declare const conn: Connection;
declare const timeZone: string;
declare const registration: Omit<RegistrationOptions, "timeZone">;
// Without the retake ports (a pair, checked apart): Omit would merge the two arms of their union.
declare const scheduling: Omit<SchedulingOptions, "timeZone" | "retakeCheck" | "retakeBlockersOf">;

export function typeChecks(): void {
  // Naming the zone compiles.
  const registrationOptions: RegistrationOptions = { ...registration, timeZone };
  const schedulingOptions: SchedulingOptions = { ...scheduling, timeZone };
  createOrganisationService(conn, "320000", undefined, { timeZone });

  // @ts-expect-error registration counts ages and licence dates on the node's calendar day.
  const noZoneRegistration: RegistrationOptions = { ...registration };
  // @ts-expect-error scheduling writes ticket numbers' exam days and refusals' times in the node's zone.
  const noZoneScheduling: SchedulingOptions = { ...scheduling };
  // @ts-expect-error organisation names a room's sessions in its refusals in the node's zone.
  createOrganisationService(conn, "320000");
  // @ts-expect-error the same with the options given but the zone left out.
  createOrganisationService(conn, "320000", undefined, {});
  void [registrationOptions, schedulingOptions, noZoneRegistration, noZoneScheduling];
}
