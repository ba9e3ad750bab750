import type { Config } from "../config.js";
import type { SystemInfoDto } from "../contracts/system.js";
import type { Feature } from "../feature.js";
import { noQuery, strictRouter } from "../lib/http.js";
import { divisionName } from "../organisation/index.js";

/**
 * `GET /api/system`, open before login (the login page names the node): the node's role, zone and
 * the features it runs. `runningFeatures` is read per request because the list is complete only
 * once every feature is built.
 */
export function systemInfoFeature(config: Config, runningFeatures: () => readonly string[]): Feature {
  const router = strictRouter();
  router.get("/system", noQuery, (_req, res) => {
    const info: SystemInfoDto = {
      role: config.role,
      provinceCode: config.provinceCode,
      provinceName: config.provinceCode ? divisionName(config.provinceCode) : null,
      nodeName: config.nodeName,
      timeZone: config.timeZone,
      features: [...runningFeatures()],
    };
    res.json(info);
  });
  return { name: "system-info", router };
}
