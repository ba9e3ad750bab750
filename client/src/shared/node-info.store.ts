import { defineStore } from "pinia";
import { computed, ref } from "vue";
import { provinceName } from "./provinces.js";

/** What `/healthz` says about this node. */
export interface NodeInfo {
  status: string;
  role: "province" | "hub";
  provinceCode: string | null;
  nodeName: string;
}

/** The node the browser talks to: a province node or the national hub (for the header). */
export const useNodeInfoStore = defineStore("node-info", () => {
  const info = ref<NodeInfo | null>(null);
  let loading: Promise<void> | null = null;

  function load(): Promise<void> {
    loading ??= fetch("/healthz", { headers: { accept: "application/json" } })
      .then(async (res) => {
        if (res.ok) info.value = (await res.json()) as NodeInfo;
      })
      .catch(() => undefined);
    return loading;
  }

  /** "江苏省" on a province node, "全国数据共享平台" on the hub. */
  const siteName = computed(() => {
    if (!info.value) return "";
    return info.value.role === "hub"
      ? "全国数据共享平台"
      : `${provinceName(info.value.provinceCode)}考试节点`;
  });

  return { info, load, siteName };
});
