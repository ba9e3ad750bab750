import ExcelJS from "exceljs";
import { CATEGORIES, NON_DRIVING_CATEGORIES } from "../contracts/categories.js";
import {
  REGISTRATION_IMPORT_COLUMNS,
  REGISTRATION_IMPORT_MAX_ROWS,
} from "../contracts/registration-import.js";
import { EDUCATION_LEVELS, LicenceClass } from "../contracts/registration.js";
import { INSTRUCTION_SHEET } from "../lib/xlsx-scan.js";

const NON_DRIVING_NAMES = NON_DRIVING_CATEGORIES.map((c) => CATEGORIES[c]).join("、");

/**
 * The registration import template (报名导入模板.xlsx): the first sheet has only the Chinese
 * header row (an example row there would be imported by an officer who forgot to delete it);
 * every column is formatted as text, so Excel keeps an ID number's 18 digits and a leading zero;
 * the second sheet explains each column with an example.
 */
export async function registrationImportTemplate(): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const sheet = wb.addWorksheet("考生");
  sheet.columns = REGISTRATION_IMPORT_COLUMNS.map((c) => ({
    header: c.header,
    key: c.key,
    width: Math.max(12, c.header.length * 2 + 4, c.example.length + 4),
    style: { numFmt: "@" },
  }));
  sheet.getRow(1).font = { bold: true };
  sheet.views = [{ state: "frozen", ySplit: 1 }];

  const help = wb.addWorksheet(INSTRUCTION_SHEET);
  help.columns = [
    { header: "列", key: "header", width: 22 },
    { header: "是否必填", key: "required", width: 10 },
    { header: "填写方法", key: "how", width: 70 },
    { header: "示例", key: "example", width: 30 },
  ];
  help.getRow(1).font = { bold: true };
  const how: Record<string, string> = {
    name: "2 至 32 个字",
    idNumber: "18 位居民身份证号码，末位可为 X；请保持单元格为文本格式",
    phone: "11 位手机号码",
    addressDivisionCode: "6 位行政区划代码（GB/T 2260）",
    education: `${Object.values(EDUCATION_LEVELS).join("、")} 之一`,
    licenceClass: `${LicenceClass.options.join("、")} 之一；只报考${NON_DRIVING_NAMES}的可不填`,
    licenceFirstIssuedOn: "日期，如 2012-03-01；与准驾车型同填或同不填",
    categories: `报考的从业资格类别名称，多个用顿号分隔：${Object.values(CATEGORIES).join("、")}`,
    noMajorAccident3y: "核验材料后填“是”或“否”，不填视为否",
    noDrunkDriving: "核验材料后填“是”或“否”，不填视为否",
    hazmatTraining: "核验材料后填“是”或“否”，不填视为否",
    divisionCode: "不填则登记在本人所在辖区；可填本辖区下级的 6 位行政区划代码",
  };
  for (const c of REGISTRATION_IMPORT_COLUMNS)
    help.addRow({
      header: c.header,
      required: c.required ? "必填" : "drivers" in c ? "驾驶员必填" : "选填",
      how: how[c.key],
      example: c.example,
    });
  help.addRow({});
  help.addRow({
    header: "说明",
    how: `每个文件最多 ${REGISTRATION_IMPORT_MAX_ROWS} 名考生，只读取第一个工作表；公式不计算，按文字读取`,
  });
  return Buffer.from(await wb.xlsx.writeBuffer());
}
