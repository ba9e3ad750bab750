import type { HubRbacRow } from "./hub-rbac-types.js";

/**
 * Rows of the hub's monthly report (issue 13): operators and admins read the figures and the
 * dashboard; only operators publish; the published reports are public (their signature, not the
 * channel, makes them trustworthy).
 */
const readers = ["admin", "hub_operator"] as const;
const everyone = ["anonymous", "admin", "hub_operator"] as const;
const MONTH = "2020-06";

/** A distinct ended month per publish request (each month is published once). */
function aFreshMonth(n: number): string {
  const d = new Date(Date.UTC(2016, n, 1));
  return d.toISOString().slice(0, 7);
}

export const rows: HubRbacRow[] = [
  { method: "get", path: "/hub/report/months/:month", allowed: readers, request: () => ({ url: `/api/hub/report/months/${MONTH}` }) },
  {
    method: "get",
    path: "/hub/report/months/:month/report.csv",
    allowed: readers,
    request: () => ({ url: `/api/hub/report/months/${MONTH}/report.csv` }),
  },
  {
    method: "post",
    path: "/hub/report/months/:month/publish",
    allowed: ["hub_operator"],
    request: (fx) => ({ url: `/api/hub/report/months/${aFreshMonth(fx.unique())}/publish`, body: {} }),
  },
  { method: "get", path: "/hub/report/published", allowed: readers, request: () => ({ url: "/api/hub/report/published" }) },
  { method: "get", path: "/hub/report/dashboard", allowed: readers, request: () => ({ url: "/api/hub/report/dashboard" }) },
  { method: "get", path: "/hub/v1/reports", allowed: everyone, request: () => ({ url: "/api/hub/v1/reports" }) },
  {
    method: "get",
    path: "/hub/v1/reports/:month",
    allowed: everyone,
    // Published by the table's own setup, so the download exists.
    request: () => ({ url: "/api/hub/v1/reports/2016-01" }),
  },
];

/** What must exist before the rows run: one published month to download. */
export async function setup(fx: { publish(month: string): Promise<void> }): Promise<void> {
  await fx.publish("2016-01");
}
