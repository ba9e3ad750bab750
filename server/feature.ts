import type { RequestHandler, Router } from "express";
import type { Connection } from "mongoose";
import type { Config } from "./config.js";
import type { EventBus } from "./lib/event-bus.js";
import type { Logger } from "./lib/logger.js";
import type { AppServer, AppSocket } from "./lib/socket-types.js";

/** What every feature is built from: injected, so tests can build a feature on their own database. */
export interface FeatureContext {
  config: Config;
  logger: Logger;
  conn: Connection;
  events: EventBus;
}

/**
 * A feature's contribution to the node. `createApp` mounts `router` under `/api`, runs `middleware`
 * before any router (sessions, passport), and `main` calls `attachSockets`, `start` and `stop`.
 */
export interface Feature {
  name: string;
  middleware?: RequestHandler[];
  router?: Router;
  /** Middleware for the socket.io engine handshake (e.g. sessions via io.engine.use). */
  engineMiddleware?: RequestHandler[];
  attachSockets?(io: AppServer): void;
  onConnection?(socket: AppSocket): void;
  /** Background work (deadline sweeper, outbox dispatcher); must be idempotent across instances. */
  start?(): Promise<void>;
  stop?(): Promise<void>;
}
