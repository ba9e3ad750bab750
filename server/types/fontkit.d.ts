/** The part of `fontkit` (pdfkit's font engine) roadcert uses: parse a font once, hand it to pdfkit. */
declare module "fontkit" {
  export interface Font {
    layout(text: string): unknown;
    hasGlyphForCodePoint(codePoint: number): boolean;
  }
  export function create(buffer: Uint8Array, postscriptName?: string): Font;
}
