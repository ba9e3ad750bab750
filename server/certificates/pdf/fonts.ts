import * as fontkit from "fontkit";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

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

/** True when the font can draw every character (a rare name character must not print as a blank box unnoticed). */
export function missingGlyphs(text: string): string[] {
  const { regular } = cjkFonts();
  return [...new Set(text)].filter(
    (ch) => ch.trim() && !regular.hasGlyphForCodePoint(ch.codePointAt(0) ?? 0),
  );
}
