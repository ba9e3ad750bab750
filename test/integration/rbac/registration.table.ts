import type { CandidateDto } from "../../../server/contracts/registration.js";
import { REGISTRATION_IMPORT_COLUMNS } from "../../../server/contracts/registration-import.js";
import type { AuthUser } from "../../../server/contracts/auth.js";
import { toCsvText } from "../../../server/lib/csv.js";
import { createRegistrationService } from "../../../server/registration/index.js";
import { TEST_PHOTO, registerTestCandidate, uniqueIdNumber } from "../../helpers/auth.js";
import type { RbacRow } from "./rbac-types.js";
import { routeRow } from "./row-builders.js";

/** Rows of the registration routes (candidates, their photos and imports). */

/** A one-candidate registration CSV (an eligible passenger-driver applicant with a fresh ID). */
function importCsv(): Buffer {
  const headers = REGISTRATION_IMPORT_COLUMNS.map((c) => c.header);
  const row: Record<string, string> = {
    姓名: "钱导入",
    身份证号: uniqueIdNumber(),
    手机号: "13900000000",
    住址行政区划代码: "320102",
    文化程度: "高中",
    准驾车型: "A1",
    驾驶证初领日期: "2012-03-01",
    报考类别: "经营性道路旅客运输驾驶员",
    近3年无重大事故: "是",
  };
  return Buffer.from(toCsvText([headers, headers.map((h) => row[h] ?? "")]), "utf8");
}

export const rows: RbacRow[] = [
  {
    method: "post",
    path: "/candidates/precheck",
    access: { officer: "all" },
    request: () => ({
      url: "/api/candidates/precheck",
      body: { idNumber: uniqueIdNumber(), categories: ["01001"] },
    }),
  },
  {
    method: "post",
    path: "/candidates",
    access: { officer: "own" },
    request: (fx) => ({
      url: "/api/candidates",
      body: {
        name: "李报名",
        idNumber: uniqueIdNumber(),
        phone: "13900000000",
        addressDivisionCode: "320102",
        education: "senior_middle",
        licenceClass: "B2",
        licenceFirstIssuedOn: "2012-03-01",
        categories: ["02001"],
        divisionCode: fx.own.divisionCode,
        photo: TEST_PHOTO,
      },
    }),
  },
  routeRow("get", "/candidates/import-template", { officer: "all" }),
  {
    // A dry run writes no candidate; rows out of the officer's scope are refused in the report.
    method: "post",
    path: "/candidates/imports",
    access: { officer: "all" },
    request: () => ({
      url: "/api/candidates/imports",
      body: { filename: "报名.csv", contentBase64: importCsv().toString("base64") },
    }),
  },
  {
    // Only the officer who uploaded may confirm; the fixture's own-division officer uploads here.
    method: "post",
    path: "/candidates/imports/:id/confirm",
    access: { officer: "own" },
    request: async (fx) => {
      const { conn, config } = fx.node.ctx;
      // The matrix's own officer is the division's first (rbac.test.ts makes another one after
      // it), found by _id: natural order need not stay creation order once the password row has
      // saved every staff actor, and then the other officer's import was confirmed by this one.
      const officer = await conn
        .collection("staff_users")
        .findOne({ roles: ["officer"], divisionCode: fx.own.divisionCode }, { sort: { _id: 1 } });
      if (!officer) throw new Error("no own-division officer in the RBAC fixtures");
      const reg = createRegistrationService(conn, {
        timeZone: config.timeZone,
        provinceCode: config.provinceCode,
      });
      const actor: AuthUser = {
        id: String(officer._id),
        kind: "staff",
        roles: ["officer"],
        displayName: "rbac",
        divisionCode: fx.own.divisionCode,
        provinceCode: config.provinceCode,
      };
      const preview = await reg.previewImport(actor, {
        filename: "报名.csv",
        contentBase64: importCsv().toString("base64"),
      });
      return { url: `/api/candidates/imports/${preview.importId}/confirm` };
    },
  },
  {
    method: "get",
    path: "/candidates",
    access: { officer: "all" },
    request: () => ({ url: "/api/candidates?limit=200" }),
    includesOwn: (b, fx) =>
      ((b as { candidates: CandidateDto[] }).candidates ?? []).some((c) => c.id === fx.own.candidateId),
  },
  {
    method: "get",
    path: "/candidates/:id",
    access: { officer: "own" },
    request: (fx) => ({ url: `/api/candidates/${fx.own.candidateId}` }),
  },
  {
    method: "get",
    path: "/candidates/:id/photo",
    access: { officer: "own" },
    request: (fx) => ({ url: `/api/candidates/${fx.own.candidateId}/photo` }),
  },
  {
    method: "get",
    path: "/candidates/:id/photo-refusal",
    access: { officer: "own" },
    request: (fx) => ({ url: `/api/candidates/${fx.own.candidateId}/photo-refusal` }),
  },
  {
    // A fresh candidate: the fixture's own one is seated (a replacement would be refused).
    method: "put",
    path: "/candidates/:id/photo",
    access: { officer: "own" },
    request: async (fx) => {
      const c = await registerTestCandidate(fx.node, { divisionCode: fx.own.divisionCode });
      return { url: `/api/candidates/${c.id}/photo`, body: TEST_PHOTO };
    },
  },
  {
    // Fresh candidates: the fixture's own one is seated (a rename or withdrawal would be refused).
    method: "patch",
    path: "/candidates/:id",
    access: { officer: "own" },
    request: async (fx) => {
      const c = await registerTestCandidate(fx.node, { divisionCode: fx.own.divisionCode });
      return { url: `/api/candidates/${c.id}`, body: { phone: "13900000000" } };
    },
  },
  {
    method: "post",
    path: "/candidates/:id/categories",
    access: { officer: "own" },
    request: async (fx) => {
      const c = await registerTestCandidate(fx.node, {
        divisionCode: fx.own.divisionCode,
        categories: ["02001"],
      });
      return {
        url: `/api/candidates/${c.id}/categories`,
        body: { categories: ["01001"], declarations: { noMajorAccident3y: true } },
      };
    },
  },
  {
    method: "post",
    path: "/candidates/:id/withdraw",
    access: { officer: "own" },
    request: async (fx) => {
      const c = await registerTestCandidate(fx.node, { divisionCode: fx.own.divisionCode });
      return { url: `/api/candidates/${c.id}/withdraw`, body: { reason: "考生本人申请撤销" } };
    },
  },
];
