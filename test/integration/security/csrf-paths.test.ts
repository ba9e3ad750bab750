import { expect } from "chai";
import request from "supertest";
import { createApp } from "../../../server/app.js";
import { createFeatures } from "../../../server/features.js";
import { anonymousAgent, createStaff, staffAgent, type AuthedAgent } from "../../helpers/auth.js";
import { startTestNode } from "../../helpers/node.js";
import { enumerateApiRoutes, looseRouters } from "../../helpers/routes.js";

type Node = Awaited<ReturnType<typeof startTestNode>>;

const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);
const SOME_ID = "0123456789abcdef01234567";

/** A concrete path for a route pattern (`/users/:id` → `/users/0123…`). */
function concrete(pattern: string): string {
  return `/api${pattern.replace(/:[A-Za-z_]+/g, SOME_ID)}`;
}

/**
 * Other spellings an attacker tries for the same route: case, trailing slash, percent-encoded
 * letters, a doubled slash. Express used to route several of them to the same handler.
 */
function spellings(path: string): string[] {
  const [, , first = "", ...rest] = path.split("/");
  const tail = rest.length ? `/${rest.join("/")}` : "";
  const encodedFirst = first ? `%${first.charCodeAt(0).toString(16)}${first.slice(1)}` : first;
  return [
    path,
    path.toUpperCase(),
    `/API/${first}${tail}`,
    `/api/${first.toUpperCase()}${tail}`,
    `${path}/`,
    `/API${path.slice(4)}/`,
    `/api/${encodedFirst}${tail}`,
    `/api//${first}${tail}`,
  ];
}

describe("CSRF and path spelling guards over the live router", function () {
  this.timeout(120_000);
  let node: Node;
  let admin: AuthedAgent;
  let routes: string[];
  let loose: string[];

  before(async () => {
    node = await startTestNode({ env: { LOGIN_RATE_LIMIT_PER_MINUTE: "100000" } });
    admin = await staffAgent(node, { roles: ["admin", "officer"], divisionCode: "320000" });
    const { config, logger, conn } = node.ctx;
    const app = createApp({ config, logger, conn, features: createFeatures(node.ctx) });
    routes = enumerateApiRoutes(app);
    loose = looseRouters(app);
  });

  after(async () => {
    await node?.stop();
  });

  it("when the live router is walked, then every router matches case-sensitively and strictly", () => {
    expect(loose, "routers not built with strictRouter()").to.deep.equal([]);
  });

  it("when any state-changing route is called with the session cookie but no CSRF token, under any spelling of its path, then it is refused with csrf_failed", async () => {
    const unsafe = routes.filter((r) => UNSAFE.has(r.split(" ")[0] ?? ""));
    expect(unsafe.length).to.be.greaterThan(20);
    const passed: string[] = [];
    for (const route of unsafe) {
      const [method = "", pattern = ""] = route.split(" ");
      for (const path of spellings(concrete(pattern))) {
        const res = await request(node.url)
          [method.toLowerCase() as "post"](path)
          .set("cookie", admin.cookie)
          .send({});
        const code = (res.body as { error?: { code?: string } }).error?.code;
        if (res.status !== 403 || code !== "csrf_failed") passed.push(`${method} ${path} → ${res.status} ${code}`);
      }
    }
    expect(passed).to.deep.equal([]);
  });

  it("when POST /API/authorities is sent with the admin's cookie and no token, then nothing is created", async () => {
    const before = await node.ctx.conn.collection("authorities").countDocuments();
    const res = await request(node.url)
      .post("/API/authorities")
      .set("cookie", admin.cookie)
      .send({ name: "大小写绕过", divisionCode: "320100" });
    expect(res.status).to.equal(403);
    expect(await node.ctx.conn.collection("authorities").countDocuments()).to.equal(before);
  });

  it("when a route is spelled differently with a valid token, then it is an unknown route (one spelling per route)", async () => {
    for (const path of ["/API/authorities", "/api/Authorities", "/api/authorities/", "/api/%61uthorities"]) {
      const res = await admin.agent.post(path).send({ name: "大小写绕过", divisionCode: "320100" });
      expect(res.status, path).to.equal(404);
      expect((res.body as { error: { code: string } }).error.code, path).to.equal("route_not_found");
    }
    const res = await admin.agent.get("/API/users");
    expect(res.status).to.equal(404);
  });

  for (const login of ["/api/auth/login", "/api/auth/candidate-login"]) {
    it(`when ${login} is called under any spelling without a CSRF token, then no session is issued`, async () => {
      const staff = await createStaff(node, { roles: ["examiner"] });
      for (const path of spellings(login)) {
        const res = await request(node.url)
          .post(path)
          .send({ username: staff.username, password: staff.password, idNumber: "x", ticketNo: "x" });
        expect(res.status, path).to.be.oneOf([403, 404]);
        const cookies = ([] as string[]).concat(res.headers["set-cookie"] ?? []);
        expect(cookies.filter((c) => c.startsWith("roadcert.sid=")), path).to.deep.equal([]);
      }
    });
  }

  it("when a staff login is sent with a fresh session's token, then it succeeds (the client fetches the token first)", async () => {
    const staff = await createStaff(node, { roles: ["examiner"] });
    const { agent } = await anonymousAgent(node);
    const res = await agent.post("/api/auth/login").send({ username: staff.username, password: staff.password });
    expect(res.status).to.equal(200);
  });

  it("when any route with a path parameter gets a badly percent-encoded value, then it answers 400 invalid_path_encoding", async () => {
    const withParams = routes.filter((r) => r.includes("/:"));
    expect(withParams.length).to.be.greaterThan(20);
    const wrong: string[] = [];
    for (const route of withParams) {
      const [method = "", pattern = ""] = route.split(" ");
      const path = `/api${pattern.replace(/:[A-Za-z_]+/g, "%ZZ")}`;
      const res = await admin.agent[method.toLowerCase() as "post"](path).send({});
      const code = (res.body as { error?: { code?: string } }).error?.code;
      if (res.status !== 400 || code !== "invalid_path_encoding") wrong.push(`${method} ${path} → ${res.status} ${code}`);
    }
    expect(wrong).to.deep.equal([]);
  });
});
