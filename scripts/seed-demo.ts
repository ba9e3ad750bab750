/**
 * Demo accounts and organisation for one node (hook `demo-accounts` in scripts/demo-seeds.ts).
 * A province gets its authorities, a test centre with a room of numbered seats, one staff account
 * per role and a scheduled demo candidate; the hub gets an admin and a hub operator. Idempotent:
 * a second run finds everything and only schedules a fresh demo session when the last one is over.
 */
import { ROLE_LABELS, type AuthUser, type StaffRole } from "../server/contracts/auth.js";
import type { FeatureContext } from "../server/feature.js";
import { createStaffUser, verifyPassword } from "../server/auth/index.js";
import { makeIdNumber } from "../server/lib/id-number.js";
import { MINISTRY_CODE } from "../server/access/index.js";
import { createOrganisationService, divisionName } from "../server/organisation/index.js";
import { createRegistrationService } from "../server/registration/index.js";
import { createSchedulingService } from "../server/scheduling/index.js";
import { demoPassword, demoPasswordChecks } from "./demo-password.js";
import { demoPhotoPngBase64 } from "./demo-photo.js";
import type { DemoLogin, DemoSeedResult } from "./demo-seeds.js";

const PREFIX: Record<string, string> = { "320000": "js", "110000": "bj" };
/** The demo city of each demo province (the test centre and the city officer live there). */
const DEMO_CITY: Record<string, string> = { "320000": "320100", "110000": "110100" };
/** A demo county of each demo province, for the exchange's four levels (玄武区, 朝阳区). */
const DEMO_COUNTY: Record<string, string> = { "320000": "320102", "110000": "110105" };

export interface SeedDemoOptions {
  /** The staff accounts' password; default this install's (scripts/demo-password.ts). */
  password?: string;
}

export async function seedDemo(ctx: FeatureContext, options: SeedDemoOptions = {}): Promise<DemoSeedResult> {
  const { conn, config } = ctx;
  const password = options.password ?? (await demoPassword(config.mongo.dataDir));
  const province = config.provinceCode;
  const org = createOrganisationService(conn, province, undefined, { timeZone: config.timeZone });
  const logins: DemoLogin[] = [];
  // This install's password: its checks are remembered beside it. A password given by the caller (the
  // e2e tests) is checked each time, and nothing is written into the data directory.
  const checks = options.password
    ? {
        matches: (stored: string) => verifyPassword(password, stored),
        remember: () => undefined,
        save: async () => undefined,
      }
    : await demoPasswordChecks(config.mongo.dataDir, config.nodeName, password, verifyPassword);

  async function ensureStaff(
    username: string,
    roles: StaffRole[],
    divisionCode: string,
    displayName: string,
    testCentreId?: string,
  ) {
    const existing = await conn.collection("staff_users").findOne({ username });
    if (!existing) {
      await createStaffUser(
        conn,
        province,
        {
          username,
          password,
          roles,
          divisionCode,
          displayName,
          ...(testCentreId ? { testCentreId } : {}),
        },
        config.timeZone,
      );
      const made = await conn.collection("staff_users").findOne({ username });
      if (typeof made?.passwordHash === "string") checks.remember(made.passwordHash);
    }
    // An account made before this install's password (an older demo's data) keeps its own.
    const current =
      !existing || (await checks.matches(String(existing.passwordHash ?? ""))) ? password : "（沿用旧密码）";
    logins.push({
      role: roles.map((r) => ROLE_LABELS[r]).join("/"),
      username,
      password: current,
      note: divisionName(divisionCode) ?? divisionCode,
    });
  }

  if (!province) {
    await ensureStaff("hub_admin", ["admin"], MINISTRY_CODE, "平台管理员");
    // A privileged grant needs a second admin's approval (server/auth/grant-approvals.ts).
    await ensureStaff("hub_admin2", ["admin"], MINISTRY_CODE, "平台管理员（二）");
    await ensureStaff("hub_operator", ["hub_operator"], MINISTRY_CODE, "平台运维员");
    await checks.save();
    return { logins, summary: "共享平台：管理员与运维账号" };
  }

  const prefix = PREFIX[province] ?? `p${province.slice(0, 2)}`;
  const city = DEMO_CITY[province] ?? province;
  const provinceName = divisionName(province) ?? province;
  // A municipality's city level is the standard's placeholder (北京 110100 is 「北京市（市辖区）」): the
  // demo's city authority and test centre take the municipality's own name, 「北京市从业资格考试中心」.
  const cityDivisionName = divisionName(city) ?? city;
  const cityName = cityDivisionName.startsWith(`${provinceName}（`) ? provinceName : cityDivisionName;
  const system: AuthUser = {
    id: "demo-seed",
    kind: "staff",
    roles: ["admin", "officer"],
    displayName: "演示数据",
    divisionCode: province,
    provinceCode: province,
  };

  const authorities = await org.listAuthorities(system);
  for (const [name, divisionCode] of [
    [`${provinceName}道路运输管理局`, province],
    [`${cityName}道路运输管理处`, city],
  ] as const) {
    if (!authorities.some((a) => a.name === name)) await org.createAuthority(system, { name, divisionCode });
  }
  const cityAuthority = (await org.listAuthorities(system)).find((a) => a.divisionCode === city);

  const centreName = `${cityName}从业资格考试中心`;
  let centre = (await org.listTestCentres(system)).find((c) => c.name === centreName);
  if (!centre) {
    centre = await org.createTestCentre(system, {
      name: centreName,
      address: `${cityName}交通路 8 号`,
      divisionCode: city,
      ...(cityAuthority ? { authorityId: cityAuthority.id } : {}),
    });
  }
  if (centre.rooms.length === 0) {
    const room = await org.addRoom(system, centre.id, { name: "第一考场", seatCount: 12 });
    await org.addRoom(system, centre.id, { name: "第二考场", seatCount: 8 });
    // Seat 1 is this machine, so the demo candidate can log in from a browser on localhost.
    const seat1 = room.seats[0];
    if (seat1) await org.updateSeat(system, centre.id, room.id, seat1.id, { ip: "127.0.0.1" });
    centre = await org.getTestCentre(system, centre.id);
  }
  const room = centre.rooms[0];

  await ensureStaff(`${prefix}_admin`, ["admin"], province, "省级管理员");
  // A privileged grant needs a second admin's approval (server/auth/grant-approvals.ts).
  await ensureStaff(`${prefix}_admin2`, ["admin"], province, "省级管理员（二）");
  await ensureStaff(`${prefix}_officer`, ["officer"], city, "市级业务员");
  await ensureStaff(`${prefix}_officer_prov`, ["officer"], province, "省级业务员");
  const county = DEMO_COUNTY[province];
  if (county) await ensureStaff(`${prefix}_officer_county`, ["officer"], county, "区县业务员");
  await ensureStaff(`${prefix}_examiner`, ["examiner"], province, "命题员");
  await ensureStaff(`${prefix}_reviewer`, ["reviewer"], province, ROLE_LABELS.reviewer);
  await ensureStaff(`${prefix}_proctor`, ["proctor"], city, "监考员", centre.id);
  await checks.save();

  // A demo candidate seated at seat 1 of a session starting 20 minutes from now (login opens at
  // once: 30 minutes before the start). A new session is scheduled when the previous one is over.
  const registration = createRegistrationService(conn, { provinceCode: province, timeZone: config.timeZone });
  const scheduling = createSchedulingService(conn, {
    provinceCode: province,
    timeZone: config.timeZone,
    organisation: org,
    registration,
  });
  const idNumber = makeIdNumber(city === "110100" ? "110105" : `${city.slice(0, 4)}02`, "1988-08-08", 17);
  let candidate = (await registration.page(system, { q: idNumber, limit: 1 })).candidates[0];
  candidate ??= await registration.register(system, {
    name: "张演示",
    idNumber,
    phone: "13800138000",
    addressDivisionCode: city,
    education: "senior_middle",
    licenceClass: "A1",
    licenceFirstIssuedOn: "2012-03-15",
    categories: ["01001", "02001"],
    heldQualifications: [],
    declarations: { noMajorAccident3y: true, noDrunkDriving: true },
    divisionCode: city,
    photo: { mimeType: "image/png", dataBase64: await demoPhotoPngBase64() },
  });
  let ticketNo: string | null = null;
  if (room) {
    const open = await conn
      .collection("seat_assignments")
      .findOne({ candidateId: candidate.id, endsAt: { $gt: new Date() } });
    if (open) {
      ticketNo = String(open.ticketNo);
    } else {
      const session = await scheduling.createSession(system, {
        categoryCode: "01001",
        testCentreId: centre.id,
        roomId: room.id,
        startsAt: new Date(Date.now() + 20 * 60_000).toISOString(),
        durationMinutes: 60,
        lateEntryMinutes: 20,
        earliestHandInMinutes: 30,
      });
      const seat1 = room.seats[0];
      ticketNo = (
        await scheduling.assign(system, session.id, {
          candidateId: candidate.id,
          ...(seat1 ? { seatId: seat1.id } : {}),
        })
      ).ticketNo;
    }
  }
  if (ticketNo)
    logins.push({
      role: "考生",
      username: idNumber,
      password: ticketNo,
      note: "身份证号 + 准考证号；本机为第一考场 1 号座位",
    });

  return {
    logins,
    summary: `${provinceName}：2 个运管机构，考点「${centreName}」2 个考场，${logins.length} 个演示账号`,
  };
}

// CLI: `MONGODB_URI=… PROVINCE_CODE=320000 tsx scripts/seed-demo.ts` seeds a node's database
// directly and prints the logins (`npm start` runs the same function through the hook list).
if (import.meta.url === (await import("node:url")).pathToFileURL(process.argv[1] ?? "").href) {
  const { loadConfig } = await import("../server/config.js");
  const { connectMongo } = await import("../server/lib/mongo.js");
  const { createLogger } = await import("../server/lib/logger.js");
  const { createEventBus } = await import("../server/lib/event-bus.js");
  const config = loadConfig();
  if (!config.mongo.uri) {
    console.error("MONGODB_URI is required (or run `npm start`, which seeds the demo network itself).");
    process.exit(1);
  }
  const logger = createLogger({ level: config.log.level, name: "seed-demo" });
  const conn = await connectMongo(config.mongo.uri);
  const result = await seedDemo({ config, logger, conn, events: createEventBus(logger) });
  console.log(result.summary ?? "");
  console.table(result.logins ?? []);
  await conn.close();
}
