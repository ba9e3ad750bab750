import { z } from "zod";

/**
 * Practitioner categories (道路运输从业人员类别). 01001 and 02001 follow Shandong's production
 * codes; the others follow the same pattern and are roadcert's own assumption (shared/DOMAIN.md).
 */
export const CATEGORIES = {
  "01001": "经营性道路旅客运输驾驶员",
  "02001": "经营性道路货物运输驾驶员",
  "03001": "道路危险货物运输驾驶员",
  "03002": "道路危险货物运输装卸管理人员",
  "03003": "道路危险货物运输押运人员",
  "04001": "巡游出租汽车驾驶员",
  "04002": "网络预约出租汽车驾驶员",
} as const;
export type CategoryCode = keyof typeof CATEGORIES;
export const CategoryCode = z.enum(Object.keys(CATEGORIES) as [CategoryCode, ...CategoryCode[]]);

/**
 * Categories whose holders do not drive (装卸管理人员, 押运人员): no driving licence is asked of
 * them, and their certificate and filing carry none. Every other category is a driver's.
 */
export const NON_DRIVING_CATEGORIES: readonly CategoryCode[] = ["03002", "03003"];
export const needsDrivingLicence = (code: CategoryCode): boolean => !NON_DRIVING_CATEGORIES.includes(code);
