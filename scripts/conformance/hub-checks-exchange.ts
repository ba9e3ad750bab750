import { createHash, randomBytes } from "node:crypto";
import { InboxPage } from "../../server/contracts/exchange.js";
import { LookupAnswer } from "../../server/contracts/hub.js";
import { EXCHANGE, LOOKUP, NAME, type Check, type HubContext } from "./hub-context.js";
import { CheckFailed, conforming, errorCode, must, refusedWith } from "./kit.js";
import { reservedIdNumber } from "./test-identities.js";

/** The exchange's requirements (E01–E08) and strict inputs (V01–V03). */
export function exchangeChecks(k: HubContext): Check[] {
  const { send, verifySigned, idNumber, aCase, lookup, options } = k;
  const officer = { id: "conformance", name: NAME, divisionCode: options.provinceCode };
  const unknownCase = () => `conformance-${randomBytes(6).toString("hex")}`;
  return [
    [
      "E01",
      "the exchange inbox answers a signed page after a cursor, in the published contract",
      async () => {
        const raw = await send("GET", `${EXCHANGE}/inbox?after=0&limit=10`);
        must(raw.status === 200, `answered ${raw.status} ${errorCode(raw) ?? ""}`);
        verifySigned(raw);
        const page = conforming(InboxPage, raw);
        return `${page.messages.length} messages`;
      },
    ],
    [
      "E02",
      "a filing citing a lookup the hub never answered is refused before anything about the person (422 lookup_mismatch)",
      async () => {
        const stranger = reservedIdNumber("650000");
        const raw = await send("POST", `${EXCHANGE}/cases`, aCase({ idNumber: stranger, name: "无此人" }));
        refusedWith(raw, 422, "lookup_mismatch");
        verifySigned(raw);
        return "refused";
      },
    ],
    [
      "E03",
      "a filing of the province's own practitioner, citing its own lookup for it, is refused (422 own_practitioner)",
      async () => {
        const found = await send("POST", LOOKUP, lookup("filing", "CONF-3"));
        must(found.status === 200, `the lookup answered ${found.status}`);
        const lookupId = conforming(LookupAnswer, found).lookupId;
        const body = {
          ...(JSON.parse(aCase({ idNumber, name: NAME })) as Record<string, unknown>),
          lookupId,
        };
        refusedWith(await send("POST", `${EXCHANGE}/cases`, JSON.stringify(body)), 422, "own_practitioner");
        return "refused";
      },
    ],
    [
      "E04",
      "a filing without a lookup reference is refused (400 validation_failed, signed)",
      async () => {
        const body = JSON.parse(aCase({ idNumber, name: NAME })) as Record<string, unknown>;
        delete body.lookupId;
        const raw = await send("POST", `${EXCHANGE}/cases`, JSON.stringify(body));
        refusedWith(raw, 400, "validation_failed");
        verifySigned(raw);
        return "refused";
      },
    ],
    [
      "E05",
      "an answer to an unknown case id is refused (404 case_not_found, signed)",
      async () => {
        const raw = await send(
          "POST",
          `${EXCHANGE}/cases/${unknownCase()}/answer`,
          JSON.stringify({ outcome: "acknowledged", officer }),
        );
        refusedWith(raw, 404, "case_not_found");
        verifySigned(raw);
        return "refused";
      },
    ],
    [
      "E06",
      "an unsigned inbox request is refused (401 signature_missing)",
      async () => {
        const raw = await send("GET", `${EXCHANGE}/inbox?after=0`, undefined, { headers: {} });
        refusedWith(raw, 401, "signature_missing");
        return "refused";
      },
    ],
    [
      "E07",
      "a notice document for an unknown case id is refused (404 case_not_found, signed)",
      async () => {
        const data = Buffer.concat([Buffer.from("%PDF-1.7\n", "latin1"), randomBytes(32)]);
        const raw = await send(
          "POST",
          `${EXCHANGE}/cases/${unknownCase()}/documents`,
          JSON.stringify({
            sha256: createHash("sha256").update(data).digest("hex"),
            mediaType: "application/pdf",
            name: "测试.pdf",
            dataBase64: data.toString("base64"),
          }),
        );
        refusedWith(raw, 404, "case_not_found");
        verifySigned(raw);
        return "refused";
      },
    ],
    [
      "E08",
      "a notice document of an unknown case id is not given (404 case_not_found, signed)",
      async () => {
        const raw = await send("GET", `${EXCHANGE}/cases/${unknownCase()}/documents/${"0".repeat(64)}`);
        refusedWith(raw, 404, "case_not_found");
        verifySigned(raw);
        return "refused";
      },
    ],
    [
      "V01",
      "a query parameter the operation does not declare is refused (400 validation_failed, signed), not ignored",
      async () => {
        const raw = await send("GET", "/api/hub/v1/catalog/changes?after=0&province=110000");
        refusedWith(raw, 400, "validation_failed");
        verifySigned(raw);
        return "refused";
      },
    ],
    [
      "V02",
      "a cursor that is not plain decimal digits (after=0x10, 1e2, empty) is refused (400), not read as another number",
      async () => {
        for (const after of ["0x10", "1e2", ""]) {
          const raw = await send("GET", `/api/hub/v1/catalog/changes?after=${after}`);
          try {
            refusedWith(raw, 400, "validation_failed");
          } catch (err) {
            throw new CheckFailed(`after=${after} ${(err as Error).message}`);
          }
        }
        return "refused";
      },
    ],
    [
      "V03",
      "a body field the schema does not name is refused (400 validation_failed), not ignored",
      async () => {
        const raw = await send("POST", LOOKUP, lookup("enforcement", "CONF-4", { province: "110000" }));
        refusedWith(raw, 400, "validation_failed");
        verifySigned(raw);
        return "refused";
      },
    ],
  ];
}
