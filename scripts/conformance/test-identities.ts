import { randomInt } from "node:crypto";
import { CONFORMANCE_ID_DIVISION } from "../../server/contracts/hub.js";
import { makeIdNumber } from "../../server/lib/id-number.js";
import { isKnownDivision } from "../../server/organisation/index.js";

/**
 * A test practitioner's ID number for the province `provinceCode`: one the hub accepts (GB 11643
 * check character, a real birth date, the prefix in an existing province, as record-validation.ts
 * checks) and that no person holds, because the kit may run against the national hub in
 * production. Its division code is PP0090–PP0099: in GB/T 2260 the middle pair 00 is the province
 * itself, so no county has such a code, and an ID number carries the code of a county (or city) of
 * some edition of the standard. The kit published `PP0102` numbers before — a real district, so a
 * real person's number, whose pointer then read 测试 and gained category 02001.
 *
 * The last digit of the division, the birth date and the sequence are random, so that concurrent
 * runs (of several provinces, or again) do not publish the same practitioner.
 */
export function reservedIdNumber(provinceCode: string): string {
  const division = `${provinceCode.slice(0, 2)}009${randomInt(10)}`;
  // The guard behind the reasoning: a code the current standard lists is never used.
  if (!CONFORMANCE_ID_DIVISION.test(division) || isKnownDivision(division))
    throw new Error(`${division} is a real division: no test ID number may be made with it`);
  const birth = new Date(Date.UTC(1950, 0, 1) + randomInt(50 * 365) * 86_400_000);
  return makeIdNumber(division, birth.toISOString().slice(0, 10), 1 + randomInt(999));
}
