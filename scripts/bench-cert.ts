/**
 * `npm run bench:cert [-- --pdfs 200] [--verifications 5000] [--line-file FILE]` — renders signed certificates (seal the QR payload, render
 * the PDF) and verifies payloads, in one process, for each suite; prints one JSON line per suite
 * `{pdfs, suite, p50Ms, p95Ms, perSecond, bytesAvg, verifyPerSecond}` and appends it to BENCHMARKS.md
 * (to `--line-file` instead when given).
 * Targets on the 2-core machine: PDF p50 ≤ 50 ms and ≥ 20 PDFs/s; ≥ 5,000 verifications/s with
 * Ed25519, ≥ 200/s with SM2. `signatureOnlyPerSecond` is the bare signature check on the same
 * bytes: the floor the full verification (envelope, trust list, dates) can approach.
 */
import { loadavg } from "node:os";
import { z } from "zod";
import type { CertificateRecord, SignatureSuite } from "../server/contracts/certificates.js";
import {
  buildTrustList,
  createSigner,
  createVerifier,
  generateKeyPair,
  keyIdOf,
  loadTrustList,
  openEnvelope,
  renderCertificatePdf,
  sealClaims,
  verifyQrText,
} from "../server/certificates/index.js";
import { CHINA_TIME_ZONE } from "../server/lib/local-time.js";
import { appendLine, benchCommandLine, count } from "./bench/bench-args.js";

const { values, lineFile } = benchCommandLine(
  "bench:cert",
  { pdfs: { type: "string", default: "200" }, verifications: { type: "string", default: "5000" } },
  z.object({ pdfs: count(1), verifications: count(1) }),
);
const pdfs = values.pdfs;
const verifications = values.verifications;

function record(i: number): CertificateRecord {
  const no = `32010219900101${String(1000 + (i % 9000)).slice(0, 3)}X`;
  return {
    provinceCode: "320000",
    certificateNo: no,
    version: 1,
    serial: `${no}-01`,
    holder: {
      name: `测试持证人${i % 100}`,
      sex: "male",
      birthDate: "1990-01-01",
      idNumber: no,
      nationality: "中国",
      addressDivisionCode: "320102",
      licenceClass: "A1",
      licenceFirstIssuedOn: "2012-01-01",
    },
    categories: [
      {
        code: "01001",
        name: "经营性道路旅客运输驾驶员",
        firstIssuedOn: "2026-01-01",
        attemptId: `a${i}`,
        chainHash: "ab".repeat(32),
      },
    ],
    issuingAuthority: { divisionCode: "320100", name: "南京市道路运输管理机构" },
    firstIssuedOn: "2026-01-01",
    issuedAt: "2026-01-01T02:00:00.000Z",
    validFrom: "2026-01-01",
    validTo: "2031-12-31",
    status: "valid",
    statusReason: null,
    statusChangedAt: "2026-01-01T02:00:00.000Z",
    statusIndex: i,
    updatedAt: "2026-01-01T02:00:00.000Z",
  };
}

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0;

for (const suite of ["ed25519", "sm2-sm3"] as SignatureSuite[]) {
  const pair = generateKeyPair(suite);
  const key = { kid: keyIdOf(suite, pair.publicKey), signer: createSigner(pair) };
  const anchorPair = generateKeyPair("ed25519");
  const anchor = {
    name: "bench",
    kid: keyIdOf("ed25519", anchorPair.publicKey),
    suite: "ed25519" as const,
    publicKey: anchorPair.publicKey,
    provinces: "*" as const,
  };
  const list = loadTrustList(
    buildTrustList(
      {
        issuer: "bench",
        keys: [
          {
            provinceCode: "320000",
            kid: key.kid,
            suite,
            publicKey: pair.publicKey,
            validFrom: "2020-01-01T00:00:00Z",
            validTo: null,
          },
        ],
        now: new Date(),
        validForSeconds: 86_400,
        refreshSeconds: 3600,
      },
      { kid: anchor.kid, signer: createSigner(anchorPair) },
    ),
    [anchor],
  );
  if (!list.ok) throw new Error(list.reason);
  // Warm-up: font parsing and JIT, not part of the figures.
  for (let i = 0; i < 5; i++) {
    const r = record(i);
    await renderCertificatePdf({
      record: r,
      qr: sealClaims({ ...r, name: r.holder.name, categories: ["01001"], chainHash: "ab".repeat(32) }, key),
    });
  }
  const times: number[] = [];
  let bytes = 0;
  const qrs: string[] = [];
  const start = performance.now();
  for (let i = 0; i < pdfs; i++) {
    const t0 = performance.now();
    const r = record(i);
    const qr = sealClaims(
      { ...r, name: r.holder.name, categories: ["01001"], chainHash: "ab".repeat(32) },
      key,
    );
    const pdf = await renderCertificatePdf({ record: r, qr });
    times.push(performance.now() - t0);
    bytes += pdf.length;
    qrs.push(qr);
  }
  const elapsed = performance.now() - start;
  const now = new Date("2026-06-01T00:00:00Z");
  // No node here, so no TIME_ZONE to read: a verifier in China's zone, named (the verdicts are all
  // "valid", whose messages carry no time, so the zone does not change what is measured).
  const ctx = { lists: [list.list], timeZone: CHINA_TIME_ZONE };
  // Warm-up (3,000 runs: the JIT needs more than 200), so the figure is the steady rate.
  for (let i = 0; i < 3000; i++) verifyQrText(qrs[i % qrs.length]!, ctx, now);
  const v0 = performance.now();
  let okCount = 0;
  for (let i = 0; i < verifications; i++) if (verifyQrText(qrs[i % qrs.length]!, ctx, now).ok) okCount++;
  const vElapsed = performance.now() - v0;
  if (okCount !== verifications) throw new Error(`only ${okCount}/${verifications} verified`);
  const opened = qrs.map((q) => openEnvelope(q));
  const verifier = createVerifier(suite, pair.publicKey);
  const s0 = performance.now();
  for (let i = 0; i < verifications; i++) {
    const o = opened[i % opened.length]!;
    if (!o.ok || !verifier.verify(o.signedBytes, o.signature)) throw new Error("signature check failed");
  }
  const sElapsed = performance.now() - s0;
  times.sort((a, b) => a - b);
  const line = {
    bench: "cert",
    at: new Date().toISOString(),
    pdfs,
    suite: suite === "sm2-sm3" ? "sm2" : "ed25519",
    p50Ms: Number(pct(times, 50).toFixed(1)),
    p95Ms: Number(pct(times, 95).toFixed(1)),
    perSecond: Number(((pdfs * 1000) / elapsed).toFixed(1)),
    bytesAvg: Math.round(bytes / pdfs),
    verifyPerSecond: Math.round((verifications * 1000) / vElapsed),
    signatureOnlyPerSecond: Math.round((verifications * 1000) / sElapsed),
    // The machine is shared: the load says how much of it the figures had.
    loadAvg1m: Number(loadavg()[0]?.toFixed(1)),
  };
  console.log(JSON.stringify(line));
  await appendLine(lineFile, line);
}
