import { defineStore } from "pinia";
import { computed, ref } from "vue";
import type { SystemInfoDto } from "@contracts/system.js";
import { provinceName } from "./provinces.js";
import { setDisplayTimeZone } from "./time.js";

/** What `/api/system` says about this node. */
export type NodeInfo = SystemInfoDto;

/** The zone used until the node has answered (the node's own default). */
export const DEFAULT_TIME_ZONE = "Asia/Shanghai";

/**
 * The node the browser talks to: a province node or the national hub (for the header), the
 * features it runs (pages of other features are hidden) and the time zone every page shows.
 */
export const useNodeInfoStore = defineStore("node-info", () => {
  const info = ref<NodeInfo | null>(null);
  let loading: Promise<void> | null = null;

  function load(): Promise<void> {
    loading ??= fetch("/api/system", { headers: { accept: "application/json" } })
      .then(async (res) => {
        if (!res.ok) return;
        info.value = (await res.json()) as NodeInfo;
        setDisplayTimeZone(info.value.timeZone);
      })
      .catch(() => undefined);
    return loading;
  }

  /** "江苏省考试节点" on a province node, "全国数据共享平台" on the hub. */
  const siteName = computed(() => {
    if (!info.value) return "";
    return info.value.role === "hub"
      ? "全国数据共享平台"
      : `${info.value.provinceName ?? provinceName(info.value.provinceCode)}考试节点`;
  });

  const features = computed<readonly string[]>(() => info.value?.features ?? []);
  const timeZone = computed(() => info.value?.timeZone ?? DEFAULT_TIME_ZONE);

  /** Whether this node runs `feature` (unknown before the node answered: false). */
  function runs(feature: string | undefined): boolean {
    return !feature || features.value.includes(feature);
  }

  return { info, load, siteName, features, timeZone, runs };
});
