/**
 * `npm run screenshots`: the README's pictures of the main pages, taken from the demo network that
 * `npm start` is running (same `PORT` / `DEMO_PORTS` / `DATA_DIR`), with the demo accounts and this
 * install's demo password. Each page is shot at a desktop size and written 1000 px wide as a
 * palette PNG under docs/screenshots/, so the pictures stay small and are never edited by hand.
 * Reads only: it logs in and looks, it does not change the demo's data.
 */
import { mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";
import sharp from "sharp";
import { loginThroughForm } from "./browser-login.js";
import { operatorSession } from "./demo-hub-registration.js";
import { demoPasswordFile } from "./demo-password.js";
import { demoPorts } from "./demo-ports.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const outDir = path.join(root, "docs/screenshots");
const WIDTH = 1000;
/** Shot wider than written: the staff layout needs the room, and downscaling keeps text crisp. */
const VIEWPORT = { width: 1280, height: 800 };

/** What the demo's past gives the pictures (read from 江苏 as its officer before shooting). */
interface DemoFacts {
  /** The QR text of a certificate 江苏 issued, for 北京's verify page. */
  qr: string;
  /** A past session of 江苏 with published results. */
  pastSessionId: string;
}

interface Shot {
  file: string;
  node: "hub" | "jiangsu" | "beijing";
  /** Demo account to log in as; none for public pages. */
  user?: string;
  /** A taller window than VIEWPORT, for a page whose content scrolls inside the layout. */
  height?: number;
  /** Brings the page to the state worth showing. */
  show: (page: Page, facts: DemoFacts) => Promise<void>;
}

const SHOTS: Shot[] = [
  {
    file: "01-login.png",
    node: "jiangsu",
    show: async (p) => {
      await p.goto("/login");
      await p.locator('[data-test="username"]').waitFor();
    },
  },
  {
    file: "02-officer-home.png",
    node: "jiangsu",
    user: "js_officer",
    show: async (p) => {
      await p.locator("main").waitFor();
    },
  },
  {
    file: "03-session-seats.png",
    node: "jiangsu",
    user: "js_officer",
    show: async (p) => {
      await p.goto("/scheduling/sessions");
      await p.locator('[data-test="sessions-table"] .el-table__row').first().click();
      await p.locator('[data-test="seat-map"]').waitFor();
    },
  },
  {
    file: "04-proctor-console.png",
    node: "jiangsu",
    user: "js_proctor",
    show: async (p) => {
      await p.goto("/proctor");
      await p.locator('[data-test^="open-"]:not([data-test="open-session"])').first().click();
      await p.locator('[data-test="seat-1"]').waitFor();
    },
  },
  {
    file: "05-verify.png",
    node: "beijing",
    // 北京 verifies a certificate 江苏 signed: trust comes from the signed lists, not the network.
    show: async (p, facts) => {
      await p.goto("/verify");
      await p.locator('[data-test="qr-text"] textarea, textarea[data-test="qr-text"]').first().fill(facts.qr);
      await p.locator('[data-test="verify"]').click();
      await p.locator('[data-test="verdict"]').waitFor();
    },
  },
  {
    file: "06-exchange-filing.png",
    node: "beijing",
    user: "bj_officer",
    show: async (p) => {
      await p.goto("/exchange/new");
      await p.locator('[data-test="lookup-submit"]').waitFor();
    },
  },
  {
    file: "07-hub-report.png",
    node: "hub",
    user: "hub_operator",
    // Tall enough for the cross-province table under the charts.
    height: 1040,
    show: async (p) => {
      await p.goto("/hub/report");
      await p.locator('[data-test="report-table"]').waitFor();
    },
  },
  {
    file: "08-hub-dashboard.png",
    node: "hub",
    user: "hub_operator",
    show: async (p) => {
      await p.goto("/hub/dashboard");
      await p.locator("main h1, main h2").first().waitFor();
    },
  },
  {
    file: "09-session-results.png",
    node: "jiangsu",
    user: "js_officer",
    show: async (p, facts) => {
      await p.goto(`/scheduling/sessions/${facts.pastSessionId}/results`);
      await p.locator('[data-test="results-table"] .el-table__row').first().waitFor();
    },
  },
  {
    file: "10-certificates.png",
    node: "jiangsu",
    user: "js_officer",
    show: async (p) => {
      await p.goto("/certificates");
      await p.locator("main .el-table__row").first().waitFor();
    },
  },
  {
    file: "11-exchange-outbox.png",
    node: "beijing",
    user: "bj_officer_county",
    show: async (p) => {
      await p.goto("/exchange/outbox");
      await p.locator('[data-test="exchange-cases"] .el-table__row').first().waitFor();
    },
  },
];

/** A certificate's QR text and a past session, read through 江苏's API as its officer. */
async function demoFacts(jiangsuUrl: string, password: string): Promise<DemoFacts> {
  const session = await operatorSession(jiangsuUrl, "js_officer", password);
  const get = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${jiangsuUrl}/api${path}`, { headers: { cookie: session.cookie } });
    if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
    return (await res.json()) as T;
  };
  const { certificates } = await get<{ certificates: { qr: string }[] }>("/certificates");
  const { sessions } = await get<{ sessions: { id: string; startsAt: string; endsAt: string }[] }>(
    "/exam-sessions",
  );
  // Over, not merely started: the demo's session starting soon has begun by the time a picture is
  // taken, and 09 showed its provisional results (one absent candidate) instead of a past session's.
  const past = sessions
    .filter((s) => Date.parse(s.endsAt) < Date.now())
    .sort((a, b) => b.startsAt.localeCompare(a.startsAt));
  const qr = certificates[0]?.qr;
  const pastSessionId = past[0]?.id;
  if (!qr || !pastSessionId)
    throw new Error(
      "演示网络还没有历史数据（证书与已发布的场次）：请等 npm start 打印「演示历史」后再运行。",
    );
  return { qr, pastSessionId };
}

async function shoot(
  browser: Browser,
  baseURL: string,
  shot: Shot,
  password: string,
  facts: DemoFacts,
): Promise<string> {
  const viewport = { ...VIEWPORT, height: shot.height ?? VIEWPORT.height };
  const context = await browser.newContext({ baseURL, locale: "zh-CN", viewport });
  try {
    const page = await context.newPage();
    if (shot.user) await loginThroughForm(page, shot.user, password);
    await shot.show(page, facts);
    await page.waitForLoadState("networkidle");
    await page.evaluate("document.fonts.ready.then(() => undefined)");
    await page.mouse.move(0, 0);
    const png = await page.screenshot({ animations: "disabled" });
    const file = path.join(outDir, shot.file);
    // A 256-colour palette (libimagequant) is plenty for UI pictures and a fraction of the size.
    await sharp(png).resize({ width: WIDTH }).png({ palette: true, quality: 90, effort: 10 }).toFile(file);
    return file;
  } finally {
    await context.close();
  }
}

async function main(): Promise<void> {
  const dataDir = path.resolve(root, process.env.DATA_DIR ?? "data");
  const password = (await readFile(demoPasswordFile(dataDir), "utf8").catch(() => "")).trim();
  if (!password) {
    throw new Error(`没有找到演示密码（${demoPasswordFile(dataDir)}）：请先在另一个终端运行 npm start。`);
  }
  const [hubPort, jsPort, bjPort] = demoPorts();
  const urls = {
    hub: `http://127.0.0.1:${hubPort}`,
    jiangsu: `http://127.0.0.1:${jsPort}`,
    beijing: `http://127.0.0.1:${bjPort}`,
  };
  for (const [name, url] of Object.entries(urls)) {
    const ok = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(3000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (!ok) throw new Error(`演示网络的 ${name} 节点（${url}）没有响应：请先运行 npm start。`);
  }
  const facts = await demoFacts(urls.jiangsu, password);
  await mkdir(outDir, { recursive: true });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
  });
  try {
    for (const shot of SHOTS) {
      const file = await shoot(browser, urls[shot.node], shot, password, facts);
      console.log(`${path.relative(root, file)}`);
    }
  } finally {
    await browser.close();
  }
}

await main();
