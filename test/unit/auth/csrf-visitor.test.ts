import { expect } from "chai";
import type { NextFunction, Request, Response } from "express";
import { createCsrf } from "../../../server/auth/session.js";

/** A visitor's request (not logged in, no session token) carrying `cookie` and the CSRF header `token`. */
function visitorRequest(cookie = "", token?: string): Request {
  const headers: Record<string, string> = { cookie };
  if (token !== undefined) headers["x-csrf-token"] = token;
  return {
    method: "POST",
    headers,
    get: (name: string) => headers[name.toLowerCase()],
    session: {},
  } as unknown as Request;
}

/** A response that keeps the cookies set on it, as `name=value; attributes`. */
function keptResponse() {
  const cookies: { name: string; value: string; options: Record<string, unknown> }[] = [];
  const res = {
    cookie: (name: string, value: string, options: Record<string, unknown>) => {
      cookies.push({ name, value, options });
      return res;
    },
  };
  return { res: res as unknown as Response, cookies };
}

/** Whether `requireToken` lets `req` through (an error code when it does not). */
async function verdict(
  requireToken: (req: Request, res: Response, next: NextFunction) => unknown,
  req: Request,
): Promise<string> {
  return new Promise((resolve) => {
    void requireToken(req, {} as Response, (err?: unknown) =>
      resolve(err ? String((err as { code?: string }).code) : "passed"),
    );
  });
}

describe("auth: CSRF tokens for visitors who are not logged in", () => {
  const secretA = () => Promise.resolve("secret-a-".padEnd(40, "a"));
  const secretB = () => Promise.resolve("secret-b-".padEnd(40, "b"));

  it("when a guard is made with its secret, then it issues and checks a visitor's token by itself, and another secret's guard refuses that token", async () => {
    const a = createCsrf({ secure: false, secret: secretA });
    const b = createCsrf({ secure: false, secret: secretB });
    const { res, cookies } = keptResponse();
    const token = await a.tokenFor(visitorRequest(), res);
    const nonce = cookies[0]!;
    const cookie = `${nonce.name}=${nonce.value}`;
    expect(await verdict(a.requireToken, visitorRequest(cookie, token))).to.equal("passed");
    expect(await verdict(b.requireToken, visitorRequest(cookie, token))).to.equal("csrf_failed");
    expect(await verdict(a.requireToken, visitorRequest(cookie, `${token}x`))).to.equal("csrf_failed");
    expect(await verdict(a.requireToken, visitorRequest("", token)), "no nonce cookie").to.equal(
      "csrf_failed",
    );
  });

  it("when cookies are Secure, then the nonce cookie is a __Host- cookie (Secure, Path=/, no Domain), and a nonce under the plain name is not accepted", async () => {
    const csrf = createCsrf({ secure: true, secret: secretA });
    const { res, cookies } = keptResponse();
    const token = await csrf.tokenFor(visitorRequest(), res);
    expect(cookies).to.have.length(1);
    const { name, value, options } = cookies[0]!;
    expect(name).to.equal("__Host-roadcert.csrf");
    expect(options).to.include({ secure: true, path: "/", httpOnly: true });
    expect(options).to.not.have.property("domain");
    expect(await verdict(csrf.requireToken, visitorRequest(`${name}=${value}`, token))).to.equal("passed");
    // A nonce tossed in under the plain name (by a sibling subdomain, or over plain http) proves nothing.
    expect(await verdict(csrf.requireToken, visitorRequest(`roadcert.csrf=${value}`, token))).to.equal(
      "csrf_failed",
    );
    const again = keptResponse();
    expect(await csrf.tokenFor(visitorRequest(`roadcert.csrf=${value}`), again.res)).to.not.equal(token);
    expect(again.cookies[0]?.name, "a fresh __Host- nonce instead").to.equal("__Host-roadcert.csrf");
  });

  it("when cookies cannot be Secure (plain-HTTP development), then the nonce cookie keeps its plain name", async () => {
    const csrf = createCsrf({ secure: false, secret: secretA });
    const { res, cookies } = keptResponse();
    const token = await csrf.tokenFor(visitorRequest(), res);
    const { name, value, options } = cookies[0]!;
    expect(name).to.equal("roadcert.csrf");
    expect(options).to.include({ secure: false, path: "/" });
    expect(await verdict(csrf.requireToken, visitorRequest(`${name}=${value}`, token))).to.equal("passed");
  });
});
