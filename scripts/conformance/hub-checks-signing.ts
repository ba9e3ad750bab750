import { CHANGES, COLLECT, type Check, type HubContext } from "./hub-context.js";
import { errorCode, must, refusedUnsigned } from "./kit.js";

type Operation = { parameters?: { name?: string; in?: string; required?: boolean }[]; responses?: Record<string, unknown> };
type Document = { openapi?: string; servers?: { url?: string }[]; paths?: Record<string, Record<string, Operation>> };

/** The headers every signed operation must declare (RFC 9421, RFC 9530). */
const SIGNATURE_HEADERS = ["Signature-Input", "Signature", "Content-Digest"];

/** A read the hub answers without effect, for the checks that need a request to refuse. */
const READ = `${CHANGES}?after=0&limit=1`;

/**
 * The signing profile's limits (S08–S13): requests the transport never makes, each signed validly
 * by the registered key but outside the profile, which the documents say are refused 401 with a
 * stable code, unsigned. Without them a hub that checked only what our own transport sends (the
 * full profile, 60 s) passed the kit however loose it was.
 */
export function signingChecks(k: HubContext): Check[] {
  const { send, batch, record } = k;
  return [
    ["S08", "a signature that does not cover @target-uri is refused (401 signature_components_missing, unsigned)", async () => {
      const raw = await send("GET", READ, undefined, { profile: { components: ["@method", "@authority", "content-digest"] } });
      refusedUnsigned(raw, 401, "signature_components_missing");
      return "refused";
    }],
    ["S09", "a body sent without a Content-Digest (not covered, not sent) is refused (401 signature_components_missing, unsigned)", async () => {
      const raw = await send("POST", COLLECT, batch([record(5)]), {
        profile: { components: ["@method", "@target-uri", "@authority"], omitDigest: true },
      });
      refusedUnsigned(raw, 401, "signature_components_missing");
      return "refused";
    }],
    ["S10", "a signature valid for more than 300 s is refused (401 signature_params_missing, unsigned)", async () => {
      const raw = await send("GET", READ, undefined, { profile: { lifetimeSeconds: 301 } });
      refusedUnsigned(raw, 401, "signature_params_missing");
      return "refused";
    }],
    ["S11", "a signature created 10 minutes in the future is refused (401 clock_skew, unsigned)", async () => {
      const raw = await send("GET", READ, undefined, { now: new Date(Date.now() + 600_000), profile: {} });
      refusedUnsigned(raw, 401, "clock_skew");
      return "refused";
    }],
    ["S12", "a signature naming another algorithm than ed25519 is refused (401 signature_alg_unsupported, unsigned)", async () => {
      const raw = await send("GET", READ, undefined, { profile: { alg: "rsa-pss-sha512" } });
      refusedUnsigned(raw, 401, "signature_alg_unsupported");
      return "refused";
    }],
    ["S13", "a request signed for one path and sent to another is refused (401 signature_invalid, unsigned)", async () => {
      const raw = await send("GET", `${CHANGES}?after=1&limit=1`, undefined, { signedPath: READ });
      refusedUnsigned(raw, 401, "signature_invalid");
      return "refused";
    }],
  ];
}

/**
 * D01: the documents are served as OpenAPI 3.1, each signed operation declares the signature
 * headers as required and its 401, and every documented operation is there: asked (signed when it
 * is, with an empty object as a POST's body, which no operation takes), the hub does not answer
 * that it has no such route. A version string alone passed a hub serving any document at all.
 */
export function documentsCheck(k: HubContext): Check {
  return ["D01", "the OpenAPI 3.1 documents are served, their signed operations declare the signature headers, and every documented operation exists", async () => {
    let operations = 0;
    for (const name of ["collection", "catalog", "exchange"]) {
      const res = await fetch(`${k.session.base}/api/hub/v1/openapi/${name}.json`, { redirect: "error" });
      must(res.ok, `${name}.json answered ${res.status}`);
      const doc = (await res.json()) as Document;
      must(doc.openapi === "3.1.0", `${name}.json is not OpenAPI 3.1`);
      const prefix = doc.servers?.[0]?.url ?? "/api/hub/v1";
      for (const [path, methods] of Object.entries(doc.paths ?? {}))
        for (const [method, op] of Object.entries(methods)) {
          const where = `${name}.json ${method.toUpperCase()} ${path}`;
          const headers = (op.parameters ?? []).filter((p) => p.in === "header");
          const signed = headers.some((p) => p.name === "Signature");
          if (signed) {
            for (const h of SIGNATURE_HEADERS)
              must(headers.some((p) => p.name === h && p.required === true), `${where} does not declare ${h} as required`);
            must(op.responses?.["401"], `${where} documents no 401`);
          }
          const target = `${prefix}${path.replace(/\{[^}]+\}/g, "conformance-probe")}`;
          const upper = method.toUpperCase();
          must(upper === "GET" || upper === "POST", `${where}: the kit asks only GET and POST`);
          const raw = signed
            ? await k.send(upper as "GET" | "POST", target, upper === "POST" ? "{}" : undefined)
            : await fetch(`${k.session.base}${target}`, { redirect: "error" }).then(async (r) => ({ status: r.status, text: await r.text() }));
          const code = errorCode({ ...raw, headers: new Headers(), requestHeaders: {}, url: target, method: upper });
          must(raw.status !== 405 && code !== "route_not_found" && !(raw.status === 404 && code === undefined), `${where} is not there (answered ${raw.status} ${code ?? ""})`);
          operations += 1;
        }
    }
    return `${operations} documented operations present`;
  }];
}
