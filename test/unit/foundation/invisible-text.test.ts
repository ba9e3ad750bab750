import { expect } from "chai";
import { z } from "zod";
import { refuseInvisible } from "../../../server/contracts/validation.js";
import { visibleText } from "../../../server/contracts/visible-text.js";

/** A name refusing invisible characters, and a written reason (a text area's text). */
const name = refuseInvisible(z.string());
const reason = visibleText(1, 50);
/** What a text area types between lines: a reason's text, never a name's. */
const LINE_BREAKS = ["\t", "\n", "\r"];

describe("text people read: one definition of an invisible character (contracts/validation, visible-text)", () => {
  it("when a name or a reason holds a zero-width, bidirectional, separator or control character, then both refuse it", () => {
    for (const hidden of [
      "\u200b",
      "\u200c",
      "\u200d",
      "\u2060",
      "\ufeff",
      "\u00ad",
      "\u061c",
      "\u200e",
      "\u200f",
      "\u202a",
      "\u202b",
      "\u202c",
      "\u202d",
      "\u202e",
      "\u2066",
      "\u2067",
      "\u2068",
      "\u2069",
      "\u2028",
      "\u2029",
      "\u0000",
      "\u0007",
      "\u007f",
      "\u0085",
      "\u{e0001}",
    ]) {
      const text = `违纪${hidden}作弊`;
      expect(name.safeParse(text).success, JSON.stringify(hidden)).to.equal(false);
      expect(reason.safeParse(text).success, JSON.stringify(hidden)).to.equal(false);
    }
  });

  it("when any character of the basic plane sits inside a text, then a name and a reason refuse it alike, but for the tab and line breaks a reason's text area types", () => {
    const disagree: string[] = [];
    for (let cp = 0; cp <= 0xffff; cp++) {
      // Lone surrogates are not characters a form sends.
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const ch = String.fromCharCode(cp);
      if (LINE_BREAKS.includes(ch)) continue;
      const text = `违纪${ch}作弊`;
      if (name.safeParse(text).success !== reason.safeParse(text).success)
        disagree.push(`U+${cp.toString(16).padStart(4, "0")}`);
    }
    expect(disagree).to.deep.equal([]);
    for (const ch of LINE_BREAKS) {
      expect(reason.safeParse(`违纪${ch}作弊`).success, JSON.stringify(ch)).to.equal(true);
      expect(name.safeParse(`违纪${ch}作弊`).success, JSON.stringify(ch)).to.equal(false);
    }
  });
});
