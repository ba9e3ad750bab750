/** Liveness and readiness probes, and the socket clock ping every page uses. */
export { healthRouter } from "./health.routes.js";
export { createReadiness, type NotReady, type Readiness } from "./readiness.js";
export { reportNodeStatus, type NodeStatusSource } from "./node-status.js";
export { systemSocketFeature } from "./system.socket.js";
export { systemInfoFeature } from "./system-info.routes.js";
