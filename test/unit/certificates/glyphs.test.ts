import { expect } from "chai";
import { assertNamePrintable, missingGlyphs } from "../../../server/certificates/pdf/fonts.js";

describe("names the printed documents can draw", () => {
  it("when a name holds a character beyond the certificate font, then it is refused name_glyph_missing naming the character and its code point", () => {
    expect(() => assertNamePrintable("王𪚥"))
      .to.throw()
      .that.deep.include({ code: "name_glyph_missing", status: 422, details: { characters: ["𪚥"] } })
      .and.has.property("message")
      .that.contains("“𪚥”（U+2A6A5）");
  });

  it("when a name holds such a character twice among drawable ones and spaces, then the check names it once", () => {
    expect(missingGlyphs("王𪚥𪚥明 　𠀀")).to.deep.equal(["𪚥", "𠀀"]);
  });

  it("when a name uses rare characters the font holds, the separator dot or Latin letters, then it is accepted", () => {
    for (const name of ["刘䶮", "王堃", "阿卜杜拉·买买提", "John Smith"]) {
      expect(missingGlyphs(name), name).to.deep.equal([]);
      expect(() => assertNamePrintable(name), name).not.to.throw();
    }
  });
});
