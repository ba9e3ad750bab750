/** Liveness and readiness probes. */
export { healthRouter } from "./health.routes.js";
