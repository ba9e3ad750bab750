/**
 * The demo network's hub operator step: log in at the hub as the demo hub operator and register
 * each province node's key, as an operator would through the hub's pages. Idempotent: a re-run
 * registers the same keys again (no change).
 */
import type { HubIdentityDto, RegisteredNodeDto } from "../server/contracts/hub.js";

interface ProvinceIdentity {
  keyId: string;
  publicKey: string;
  provinceCode: string;
}

/** The hub's identity, which the province nodes pin (HUB_PUBLIC_KEY). */
export async function fetchHubIdentity(hubUrl: string): Promise<HubIdentityDto> {
  const res = await fetch(`${hubUrl}/api/hub/v1/identity`, { signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`hub identity: HTTP ${res.status}`);
  return (await res.json()) as HubIdentityDto;
}

/** Logs in at the hub's staff API (CSRF token + session cookie), as the operator's browser would. */
export async function operatorSession(hubUrl: string, username: string, password: string) {
  let cookie = "";
  const keep = (res: Response) => {
    const set = res.headers
      .getSetCookie()
      .map((c) => c.split(";")[0])
      .filter(Boolean);
    if (set.length) cookie = set.join("; ");
  };
  const csrfRes = await fetch(`${hubUrl}/api/auth/csrf`);
  keep(csrfRes);
  let { csrfToken } = (await csrfRes.json()) as { csrfToken: string };
  const login = await fetch(`${hubUrl}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-csrf-token": csrfToken, cookie },
    body: JSON.stringify({ username, password }),
  });
  keep(login);
  if (!login.ok) throw new Error(`hub operator login: HTTP ${login.status}`);
  csrfToken = ((await login.json()) as { csrfToken: string }).csrfToken;
  return { cookie, csrfToken };
}

/**
 * A province's certificate signing keys as the hub registers them, read from the province's own
 * signed trust list (in the demo the operator and the province are one person; in production the
 * keys come with the province's registration papers). The operator registers validity as whole
 * days, from the day a key was made through the day it was retired; the province's own
 * announcements (POST /certificate-keys) carry exact instants.
 */
export async function certificateKeysOf(provinceUrl: string) {
  const doc = (await (await fetch(`${provinceUrl}/api/certificates/trust-list`)).json()) as {
    payload: string;
  };
  const body = JSON.parse(Buffer.from(doc.payload, "base64url").toString("utf8")) as {
    keys: { kid: string; suite: string; publicKey: string; validFrom: string; validTo: string | null }[];
  };
  const nextDay = (iso: string) =>
    new Date(Date.parse(iso.slice(0, 10)) + 86_400_000).toISOString().slice(0, 10);
  return body.keys.map((k) => ({
    kid: k.kid,
    suite: k.suite,
    publicKey: k.publicKey,
    validFrom: k.validFrom.slice(0, 10),
    ...(k.validTo ? { validTo: nextDay(k.validTo) } : {}),
  }));
}

/** Registers every province's node key and certificate keys at the hub; returns what the hub now holds. */
export async function registerProvinces(
  hubUrl: string,
  operator: { username: string; password: string },
  provinces: { url: string; name: string }[],
): Promise<RegisteredNodeDto[]> {
  const session = await operatorSession(hubUrl, operator.username, operator.password);
  const registered: RegisteredNodeDto[] = [];
  for (const p of provinces) {
    const identity = (await (await fetch(`${p.url}/api/sharing/identity`)).json()) as ProvinceIdentity;
    const res = await fetch(`${hubUrl}/api/hub/nodes`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-csrf-token": session.csrfToken,
        cookie: session.cookie,
      },
      body: JSON.stringify({
        provinceCode: identity.provinceCode,
        name: p.name,
        nodeKey: identity.publicKey,
        endpoint: p.url,
        certificateKeys: await certificateKeysOf(p.url),
      }),
    });
    if (!res.ok) throw new Error(`registering ${p.name} at the hub: HTTP ${res.status} ${await res.text()}`);
    registered.push((await res.json()) as RegisteredNodeDto);
  }
  return registered;
}
