import type { Connection } from "mongoose";
import { PROVINCE_LEVEL_ROLES } from "../contracts/auth.js";
import type { Logger } from "../lib/logger.js";
import { isProvinceLevelDivision } from "./account-rules.js";
import { staffUserModel } from "./user.model.js";

/**
 * A start-up check: the question bank is the province's (assertRolesFitDivision), so an examiner or
 * reviewer account kept at a city or county, made before that rule, has silently lost every bank
 * page; nothing refuses it until an admin edits its roles. Logged once per start, with the count and
 * what to do, so the operator hears of it. Read grouped by division (one row per division, not per
 * account), so it stays small whatever the number of accounts.
 */
export async function warnBankRolesBelowProvince(conn: Connection, logger: Logger): Promise<number> {
  const byDivision = await staffUserModel(conn).aggregate<{ _id: string; accounts: number }>([
    { $match: { roles: { $in: [...PROVINCE_LEVEL_ROLES] } } },
    { $group: { _id: "$divisionCode", accounts: { $sum: 1 } } },
  ]);
  const accounts = byDivision
    .filter((d) => !isProvinceLevelDivision(d._id))
    .reduce((n, d) => n + d.accounts, 0);
  if (accounts > 0)
    logger.warn(
      { accounts, roles: PROVINCE_LEVEL_ROLES, code: "bank_roles_below_province" },
      `${accounts} staff accounts below the province level hold the examiner or reviewer role and ` +
        "can no longer reach the question bank (it is the province's): move them to the province " +
        "level or remove those roles (用户管理)",
    );
  return accounts;
}
