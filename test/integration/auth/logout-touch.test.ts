import { expect } from "chai";
import express, { type ErrorRequestHandler } from "express";
import request from "supertest";
import { createSessionMiddleware } from "../../../server/auth/session.js";
import { useTestDatabase } from "../../helpers/database.js";

declare module "express-session" {
  interface SessionData {
    who?: string;
    seen?: number;
  }
}

/**
 * A request that loaded the login session before a concurrent logout destroyed it still touches
 * the session when it ends (express-session does so for every unmodified session). connect-mongo
 * answered that touch with "Unable to find the session to touch", which reached the error
 * middleware after the answer was sent and was logged as an unhandled error (seen in the fuzz
 * runs at logout).
 */
describe("login sessions: a request that ends after a concurrent logout", () => {
  const db = useTestDatabase("logout_touch");

  /** A handler's way in and out: `inside` once it has read the session, it goes on at `release`. */
  function aGate() {
    let entered: () => void = () => undefined;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    return { entered, inside, release, gate };
  }

  /**
   * An app with the product's session middleware, `/login` and `/logout`, the test's own routes
   * (`extra`) between them, and every error handed to express collected in `errors`.
   */
  function aSessionApp(errors: unknown[], extra: (app: express.Express) => void) {
    const app = express();
    app.use(createSessionMiddleware(db.conn, { secret: "test-secret", secure: false, now: () => new Date() }));
    app.post("/login", (req, res) => {
      req.session.who = "officer";
      res.status(204).end();
    });
    extra(app);
    app.post("/logout", (req, res) => {
      req.session.destroy(() => res.status(204).end());
    });
    app.use(((err, _req, res, next) => {
      errors.push(err);
      if (res.headersSent) return next(err);
      res.status(500).end();
    }) as ErrorRequestHandler);
    return app;
  }

  it("when the logout destroys the session while another request of it is in flight, then that request ends without an error and the session stays gone", async () => {
    const errors: unknown[] = [];
    const { entered, inside, release, gate } = aGate();

    const app = aSessionApp(errors, (a) =>
      a.get("/slow", async (req, res) => {
        entered();
        await gate;
        res.json({ who: req.session.who ?? null });
      }),
    );

    const agent = request.agent(app);
    await agent.post("/login").expect(204);
    const slow = agent.get("/slow").then((res) => res);
    await inside;
    await agent.post("/logout").expect(204);
    release();
    // express-session ends the answer only once the store has answered its touch, and hands a
    // failed touch to the error middleware on the next turn.
    expect((await slow).body).to.deep.equal({ who: "officer" });
    await new Promise((resolve) => setImmediate(resolve));
    expect(errors.map(String)).to.deep.equal([]);
    expect(await db.conn.collection("sessions").countDocuments()).to.equal(0);
  });

  it("when the logout destroys the session while another request of it is changing it, then that request's save does not bring the login back", async () => {
    const errors: unknown[] = [];
    const { entered, inside, release, gate } = aGate();
    const app = aSessionApp(errors, (a) => {
      a.get("/who", (req, res) => {
        res.json({ who: req.session.who ?? null });
      });
      // Read the session, wait (the logout happens here), then change it: express-session saves it.
      a.post("/count", async (req, res) => {
        entered();
        await gate;
        req.session.seen = (req.session.seen ?? 0) + 1;
        res.json({ who: req.session.who ?? null, seen: req.session.seen });
      });
    });

    const agent = request.agent(app);
    await agent.post("/login").expect(204);
    const sid = (await db.conn.collection("sessions").find().toArray()).map((d) => d._id);
    const changing = agent.post("/count").then((res) => res);
    await inside;
    await agent.post("/logout").expect(204);
    release();
    expect((await changing).body).to.deep.equal({ who: "officer", seen: 1 });
    await new Promise((resolve) => setImmediate(resolve));
    expect(errors.map(String)).to.deep.equal([]);
    expect(await db.conn.collection("sessions").countDocuments({ _id: { $in: sid }, "session.who": "officer" })).to.equal(0);
    // The old cookie (still held by the agent for this check) is no login any more.
    await agent.get("/who").expect(200, { who: null });
    // A live session is still saved as it changes.
    await agent.post("/login").expect(204);
    await agent.post("/count").expect(200, { who: "officer", seen: 1 });
    await agent.post("/count").expect(200, { who: "officer", seen: 2 });
  });
});
