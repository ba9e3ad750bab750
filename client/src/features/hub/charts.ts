/**
 * The ECharts modules the hub's pages use, registered once (on-demand import keeps the bundle to
 * bar and line charts). ECharts is Apache's charting library, the one China's government web
 * widely uses; vue-echarts wraps it as a Vue component.
 */
import { use } from "echarts/core";
import { BarChart, LineChart } from "echarts/charts";
import { GridComponent, LegendComponent, TooltipComponent } from "echarts/components";
import { CanvasRenderer } from "echarts/renderers";

use([CanvasRenderer, BarChart, LineChart, GridComponent, LegendComponent, TooltipComponent]);

export { default as VChart } from "vue-echarts";

/** One palette for every hub chart: accepted green, rejected red, the rest muted. */
export const CHART_COLOURS = ["#2f7d32", "#c62828", "#9e9e9e", "#f9a825", "#1565c0", "#6a1b9a"];
export const BLUE = "#1565c0";
export const AMBER = "#f9a825";
