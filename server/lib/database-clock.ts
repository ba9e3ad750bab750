import type { Connection } from "mongoose";
import type { Logger } from "pino";
import { databaseTime } from "./mongo.js";

/** How often the offset to the database's clock is measured again. */
const REFRESH_MS = 60_000;
/** An offset larger than this is logged: the instance's own clock (NTP) needs looking at. */
const WARN_OFFSET_MS = 2_000;

export interface DatabaseClockOptions {
  logger: Logger;
  refreshMs?: number;
  /** The database's time now; `hello`'s localTime unless a test gives another. */
  databaseNow?: () => Promise<Date>;
}

/**
 * This instance's clock, set to the database server's: the one clock every instance of a node
 * shares. Exam deadlines are written by the instance that releases or extends, and enforced by
 * whichever instance a save reaches; read off each machine's own clock, two instances a few
 * seconds apart would cut a candidate off early on one and take answers past the deadline on the
 * other. `now()` stays synchronous (it is read on every save): the offset is measured at start
 * and every minute, and a failed measurement keeps the last one.
 */
export function createDatabaseClock(conn: Connection, options: DatabaseClockOptions) {
  const databaseNow = options.databaseNow ?? (() => databaseTime(conn));
  let offsetMs = 0;
  let timer: NodeJS.Timeout | null = null;

  async function measure(): Promise<void> {
    const sent = Date.now();
    const at = (await databaseNow()).getTime();
    const received = Date.now();
    // The database read its clock somewhere between `sent` and `received`: the true offset lies in
    // [at - received, at - sent]. The value of that range nearest zero is taken, so two clocks that
    // agree (NTP) read as equal rather than a round trip's noise apart.
    offsetMs = at < sent ? at - sent : at > received ? at - received : 0;
    if (Math.abs(offsetMs) > WARN_OFFSET_MS)
      options.logger.warn(
        { offsetMs },
        `本实例时钟与数据库服务器相差 ${(offsetMs / 1000).toFixed(1)} 秒：考试计时以数据库时钟为准，请检查本机时间同步`,
      );
  }

  function measureLogged(): Promise<void> {
    return measure().catch((err: unknown) =>
      options.logger.warn({ err, offsetMs }, "database clock not measured; the last offset stays"),
    );
  }

  return {
    now: (): Date => new Date(Date.now() + offsetMs),
    offsetMs: (): number => offsetMs,
    /** Measures once (awaited: nothing is timed before) and then every minute. */
    async start(): Promise<void> {
      await measureLogged();
      timer ??= setInterval(() => void measureLogged(), options.refreshMs ?? REFRESH_MS);
      timer.unref();
    },
    stop(): void {
      if (timer) clearInterval(timer);
      timer = null;
    },
  };
}
export type DatabaseClock = ReturnType<typeof createDatabaseClock>;
