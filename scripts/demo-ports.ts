/**
 * The demo network's three ports (hub, 江苏, 北京), read by `npm start` and by the scripts that talk
 * to a started network (`npm run screenshots`): `DEMO_PORTS=hub,jiangsu,beijing`, or `PORT` for the
 * hub (default 3000) with the provinces on the next two.
 */
export function demoPorts(env: NodeJS.ProcessEnv = process.env): [number, number, number] {
  const explicit = env.DEMO_PORTS;
  if (explicit) {
    const list = explicit.split(",").map((p) => Number(p.trim()));
    if (list.length !== 3 || list.some((p) => !Number.isInteger(p) || p <= 0 || p > 65535)) {
      throw new Error(`DEMO_PORTS must be three ports "hub,jiangsu,beijing", got "${explicit}"`);
    }
    return [list[0] ?? 0, list[1] ?? 0, list[2] ?? 0];
  }
  const base = Number(env.PORT ?? 3000);
  if (!Number.isInteger(base) || base <= 0 || base > 65533)
    throw new Error(`PORT must be a port number, got "${env.PORT}"`);
  return [base, base + 1, base + 2];
}
