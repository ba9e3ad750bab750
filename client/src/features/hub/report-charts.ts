/**
 * The monthly report page's three charts (report.page.vue): records by outcome, the quality score
 * and the exam-to-hub latency, one bar per province, as ECharts options that follow the figures.
 */
import { computed, type Ref } from "vue";
import type { ProvinceMonthFigures } from "@contracts/hub-report.js";
import { AMBER, BLUE, CHART_COLOURS } from "./charts.js";

const hours = (s: number | null) => (s === null ? null : Math.round((s / 3600) * 10) / 10);

/** The charts' options for the provinces `rows` holds, recomputed when it changes. */
export function reportCharts(rows: Readonly<Ref<readonly ProvinceMonthFigures[]>>) {
  const names = computed(() => rows.value.map((p) => p.provinceName));
  const axis = { type: "category" as const };
  /**
   * The plot starts below two rows: the legend's (top right) and the y axis's name under it. At 36 px
   * the name 记录数 ran into the legend's 接收; all three charts share the top so their plots line up.
   */
  const PLOT = { right: 16, top: 60, bottom: 28 };
  const outcomesOption = computed(() => ({
    animation: false,
    color: CHART_COLOURS,
    tooltip: { trigger: "axis" },
    legend: { top: 0, right: 0 },
    grid: { ...PLOT, left: 48 },
    xAxis: { ...axis, data: names.value },
    yAxis: { type: "value", name: "记录数" },
    series: (["accepted", "rejected", "duplicate", "stale"] as const).map((k) => ({
      name: { accepted: "接收", rejected: "被拒", duplicate: "重复", stale: "过期版本" }[k],
      type: "bar",
      stack: "outcome",
      barMaxWidth: 48,
      data: rows.value.map((p) => p[k]),
    })),
  }));
  const scoreOption = computed(() => ({
    animation: false,
    color: [BLUE],
    tooltip: { trigger: "axis" },
    grid: { ...PLOT, left: 48 },
    xAxis: { ...axis, data: names.value },
    yAxis: { type: "value", min: 0, max: 100, name: "评分" },
    series: [
      {
        name: "数据质量评分",
        type: "bar",
        barMaxWidth: 48,
        label: { show: true, position: "top" },
        data: rows.value.map((p) => p.score),
      },
    ],
  }));
  const latencyOption = computed(() => ({
    animation: false,
    color: [BLUE, AMBER],
    tooltip: { trigger: "axis" },
    legend: { top: 0, right: 0 },
    grid: { ...PLOT, left: 56 },
    xAxis: { ...axis, data: names.value },
    yAxis: { type: "value", name: "小时" },
    series: [
      {
        name: "中位数",
        type: "bar",
        barMaxWidth: 32,
        data: rows.value.map((p) => hours(p.examLatency.medianSeconds)),
      },
      {
        name: "95% 到达用时",
        type: "bar",
        barMaxWidth: 32,
        data: rows.value.map((p) => hours(p.examLatency.p95Seconds)),
      },
    ],
  }));
  return { outcomesOption, scoreOption, latencyOption };
}
