import * as fontkit from "fontkit";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { errors } from "../../lib/errors.js";

/**
 * Noto Sans SC (SIL OFL) from the npm package @expo-google-fonts/noto-sans-sc: TrueType outlines,
 * which pdfkit subsets in a few milliseconds (the CFF-based OTF of Noto Sans CJK took ~400 ms per
 * document to subset), so no system font is needed at run time and every PDF embeds only the glyphs
 * it uses. Parsed once per process and shared by every document (a fresh parse costs ~60 ms).
 */
const require = createRequire(import.meta.url);
let cache: { regular: fontkit.Font; bold: fontkit.Font } | null = null;

export function cjkFonts(): { regular: fontkit.Font; bold: fontkit.Font } {
  if (!cache) {
    const load = (file: string) =>
      fontkit.create(readFileSync(require.resolve(`@expo-google-fonts/noto-sans-sc/${file}`)));
    cache = {
      regular: load("400Regular/NotoSansSC_400Regular.ttf"),
      bold: load("700Bold/NotoSansSC_700Bold.ttf"),
    };
  }
  return cache;
}

/**
 * The characters of `text` the printed documents cannot draw, each once, in order (none: it prints
 * as typed). A name goes on the certificate in bold and on the admission ticket and seating plan in
 * both weights, so a character counts as drawable only when both fonts hold it: pdfkit draws a
 * missing one as a blank box and nothing says so (a rare name character, 生僻字, beyond the font).
 * Pure apart from reading the fonts once; white space is never reported.
 */
export function missingGlyphs(text: string): string[] {
  const { regular, bold } = cjkFonts();
  return [...new Set(text)].filter((ch) => {
    const cp = ch.codePointAt(0) ?? 0;
    return ch.trim() !== "" && !(regular.hasGlyphForCodePoint(cp) && bold.hasGlyphForCodePoint(cp));
  });
}

/**
 * Refuses `name_glyph_missing` (422) when the name holds a character the printed documents cannot
 * draw: a certificate signed with it would print a blank box where the character belongs. The
 * message names each character and its code point (the officer's own screen may lack it as well).
 */
export function assertNamePrintable(name: string): void {
  const missing = missingGlyphs(name);
  if (missing.length === 0) return;
  const named = missing.map((ch) => `“${ch}”（U+${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase()}）`);
  throw errors.unprocessable(
    "name_glyph_missing",
    `姓名中的${named.join("、")}超出证书所用字库，打印出来将是空白方框；请核对姓名用字，生僻字按缺字处理办法办理后再试`,
    { characters: missing },
  );
}
