import type { PractitionerView } from "../../server/contracts/hub.js";

/**
 * One match of a hub lookup as the hub answers it (a valid 02001 certificate of 江苏's holder),
 * with `overrides` laid over it: the province's audit of a lookup and the officer's rows read it.
 */
export function aMatch(overrides: Partial<PractitionerView> = {}): PractitionerView {
  return {
    idNumber: "320102199001011238",
    name: "王备案",
    homeProvince: "320000",
    categories: ["02001"],
    certificateNumber: "320102199001011238",
    certificateStatus: "valid",
    validTo: "2032-11-09",
    version: 1,
    recordHash: "h",
    updatedAt: "2026-12-01T00:00:00.000Z",
    masked: [],
    ...overrides,
  };
}
