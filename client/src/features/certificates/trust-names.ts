/**
 * Who compiled a trust list, by name: `hub`, `province:<code>` (named by `provinceName`) or, for
 * the committed demo list (npm run cert:sample), `demo` on the wire; anything else as written.
 */
export function trustIssuerName(issuer: string, provinceName: (code: string) => string): string {
  if (issuer === "hub") return "全国交换平台";
  if (issuer === "demo") return "演示信任列表";
  const province = /^province:(\d{6})$/.exec(issuer)?.[1];
  return province ? provinceName(province) : issuer;
}
