import { dataUriImage, type PlainText } from "./html-text.js";
import type { ParsedItem } from "./parsed-item.js";

/**
 * The images of a GIFT question: the stem's one image, carried in the file as a data: URI, and how
 * an image is named in a note (the Moodle XML reader names them the same way).
 */

/** The stem's one image, when it is carried inside the file (a data: URI); anything else is refused. */
export function stemImage(text: PlainText, where: string, problems: string[]): ParsedItem["image"] {
  let image: ParsedItem["image"];
  for (const tag of text.unkept) problems.push(`${where}含 <${tag}> 内容，roadcert 只能保存文字和一张图片`);
  for (const img of text.images) {
    const data = dataUriImage(img.src);
    if (!data) {
      problems.push(
        `${where}引用的图片 ${imageName(img.src)} 不在文件中（GIFT 不携带图片文件）：请在编辑器中上传后再导入，或删去该图片`,
      );
    } else if (!data.data) {
      problems.push(`${where}的内嵌图片不是标准 base64 编码，无法导入`);
    } else if (image) {
      problems.push(`${where}有不止一张图片（${imageName(img.src)}），roadcert 每题只保存一张图片`);
    } else image = { filename: `image.${data.ext}`, data: data.data };
  }
  return image;
}

export function imageName(src: string): string {
  if (src.startsWith("data:")) return "（内嵌图片）";
  const name = src.replace(/^@@PLUGINFILE@@\//, "").split(/[?#]/)[0] ?? "";
  return `「${decodeURIComponentSafe(name).slice(0, 80) || "（无名）"}」`;
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
