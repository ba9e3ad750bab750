import { expect } from "chai";

/** A key no contract names. */
export const UNKNOWN_KEY = "zzUnknownKey";

/** The URL with one more query parameter, the unknown one. */
export function withUnknownParam(url: string): string {
  return `${url}${url.includes("?") ? "&" : "?"}${UNKNOWN_KEY}=1`;
}

/** The refusal of the unknown key: 400, validation_failed, the key named. */
export function expectUnknownKeyRefused(res: { status: number; body: unknown }, where = ""): void {
  const error = (res.body as { error?: { code?: string } } | undefined)?.error;
  expect(res.status, `${where} ${JSON.stringify(res.body).slice(0, 200)}`).to.equal(400);
  expect(error?.code, where).to.equal("validation_failed");
  expect(JSON.stringify(error), where).to.include(UNKNOWN_KEY);
}
