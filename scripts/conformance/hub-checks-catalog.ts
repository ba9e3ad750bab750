import { ChangesPage, LookupAnswer, LookupNoticesPage } from "../../server/contracts/hub.js";
import { CHANGES, LOOKUP, NAME, type Check, type HubContext } from "./hub-context.js";
import { CheckFailed, conforming, errorCode, feedEnd, must, refusedWith, valuesOf } from "./kit.js";

const NOTICES = "/api/hub/v1/catalog/lookup-notices";

/** The catalog service's requirements (L01–L05): lookups with a purpose, masking, and the two feeds. */
export function catalogChecks(k: HubContext): Check[] {
  const { send, verifySigned, idNumber, recordId, lookup, options } = k;
  /** A signed page of the province's lookup notices after `after`. */
  const notices = async (after: number, limit: number) => {
    const raw = await send("GET", `${NOTICES}?after=${after}&limit=${limit}`);
    must(raw.status === 200, `lookup notices after ${after} answered ${raw.status} ${errorCode(raw) ?? ""}`);
    verifySigned(raw);
    return conforming(LookupNoticesPage, raw);
  };
  return [
    [
      "L01",
      "a lookup without reason and case reference is refused (400 validation_failed, signed)",
      async () => {
        const raw = await send(
          "POST",
          LOOKUP,
          JSON.stringify({ query: { by: "id_number", idNumber }, officerId: "conformance" }),
        );
        refusedWith(raw, 400, "validation_failed");
        verifySigned(raw);
        return "refused";
      },
    ],
    [
      "L02",
      "a lookup with officer, reason and case finds the published practitioner, signed",
      async () => {
        const raw = await send("POST", LOOKUP, lookup("enforcement", "CONF-1"));
        must(raw.status === 200, `answered ${raw.status}`);
        verifySigned(raw);
        const match = conforming(LookupAnswer, raw).matches[0];
        must(
          match?.idNumber === idNumber && match.homeProvince === options.provinceCode,
          "the practitioner was not found",
        );
        return "found";
      },
    ],
    [
      "L03",
      "an employer check finds the practitioner and masks the ID number and name, saying so in `masked`",
      async () => {
        const raw = await send("POST", LOOKUP, lookup("employer_check", "CONF-2"));
        must(raw.status === 200, `answered ${raw.status}`);
        // Parsed, not searched as text: a hub escaping non-ASCII (\u6d4b\u8bd5) sent the full name
        // with no Chinese character in its bytes, and an answer with no match masked nothing at all.
        const answer = conforming(LookupAnswer, raw);
        must(answer.matches.length === 1, `expected one match, got ${answer.matches.length}`);
        const match = answer.matches[0]!;
        for (const field of ["idNumber", "name"])
          must(match.masked.includes(field), `masked does not list ${field}`);
        must(
          match.idNumber !== idNumber && !match.idNumber.includes(idNumber.slice(4, 14)),
          "the ID number is not masked (its middle digits are shown)",
        );
        must(match.name !== NAME && !match.name.includes(NAME), "the name is not masked (answered in full)");
        must(
          !valuesOf(answer).some((v) => v.includes(idNumber) || v.includes(NAME)),
          "another field of the answer carries the full ID number or name",
        );
        return `masked as ${match.idNumber}`;
      },
    ],
    [
      "L04",
      "the change feed returns this province's changes after a cursor, in hub order, the kit's change first after its own sequence number",
      async () => {
        // Read from C01's own sequence number, not from 0: a province with more than a page of
        // changes (1,000) had the kit's change on a later page, and a correct hub failed.
        const seq = k.state.hubSeq;
        must(seq !== null, "C01 gave no hub sequence number to read the feed from");
        const raw = await send("GET", `${CHANGES}?after=${seq - 1}&limit=10`);
        must(raw.status === 200, `answered ${raw.status}`);
        verifySigned(raw);
        const page = conforming(ChangesPage, raw);
        const seqs = page.changes.map((c) => c.seq);
        must(
          seqs.every((s, i) => s > seq - 1 && (i === 0 || s > seqs[i - 1]!)),
          "changes are not in ascending hub sequence after the cursor",
        );
        const first = page.changes[0];
        must(
          first?.seq === seq && first.idNumber === idNumber && first.recordId === recordId,
          `the kit's change (seq ${seq}) is not the first change after seq ${seq - 1}`,
        );
        must(first.homeProvince === options.provinceCode, `the change is homed in ${first.homeProvince}`);
        return `seq ${seq} found`;
      },
    ],
    [
      "L05",
      "the province's lookup notices show a lookup it made of its own practitioner, with officer, reason and case",
      async () => {
        // Found from the feed's end, not read from 0 (a national hub holds years of lookups).
        const end = await feedEnd(async (after) => (await notices(after, 1)).lookups.length > 0);
        const found = await send("POST", LOOKUP, lookup("enforcement", "CONF-5", { officerName: "测试员" }));
        must(found.status === 200, `the lookup answered ${found.status}`);
        const { lookupId } = conforming(LookupAnswer, found);
        let after = end;
        for (let pages = 0; pages < 20; pages++) {
          const page = await notices(after, 1000);
          const notice = page.lookups.find((l) => l.lookupId === lookupId);
          if (notice) {
            const expected = {
              requestingProvince: options.provinceCode,
              officerId: "conformance",
              officerName: "测试员",
              reason: "enforcement",
              caseReference: "CONF-5",
              idNumber,
            };
            const wrong = Object.entries(expected).filter(
              ([key, value]) => notice[key as keyof typeof notice] !== value,
            );
            must(
              wrong.length === 0,
              `the notice says ${wrong.map(([key]) => `${key} ${String(notice[key as keyof typeof notice])}`).join(", ")}`,
            );
            return `notice seq ${notice.seq}`;
          }
          if (!page.hasMore) break;
          after = page.nextCursor;
        }
        throw new CheckFailed(
          `the kit's lookup ${lookupId} is not among the province's lookup notices after seq ${end}`,
        );
      },
    ],
  ];
}
