import type { CategoryCode } from "../contracts/categories.js";
import type { EligibilityRule } from "./eligibility.js";

/**
 * Default eligibility rules per category, from 道路运输从业人员管理规定 (2006 text, see
 * shared/DOMAIN.md). Ages were amended later in some provinces (freight possibly 63): change the
 * figures here, not the code. Each rule is named in a refusal.
 */
export const DEFAULT_ELIGIBILITY_RULES: Record<CategoryCode, EligibilityRule[]> = {
  // 经营性道路旅客运输驾驶员: matching licence held ≥ 1 year; age ≤ 60; no major accident in 3 years.
  "01001": [
    { rule: "min_age", years: 21 },
    { rule: "max_age", years: 60 },
    { rule: "licence_class", classes: ["A1", "A2", "A3", "B1", "B2"] },
    { rule: "licence_years", years: 1 },
    { rule: "declaration", key: "noMajorAccident3y" },
  ],
  // 经营性道路货物运输驾驶员: matching licence; age ≤ 60.
  "02001": [
    { rule: "min_age", years: 18 },
    { rule: "max_age", years: 60 },
    { rule: "licence_class", classes: ["A1", "A2", "B1", "B2", "C1", "C2"] },
  ],
  // 道路危险货物运输驾驶员: age ≤ 60; no major accident in 3 years; passenger or freight
  // qualification held ≥ 2 years; hazmat training.
  // The licence classes are those the prerequisite qualifications admit: the rule above implies
  // one, and a driver's certificate must carry it (装卸管理人员 and 押运人员 below need none).
  "03001": [
    { rule: "max_age", years: 60 },
    { rule: "prerequisite", anyOf: ["01001", "02001"], years: 2 },
    { rule: "licence_class", classes: ["A1", "A2", "A3", "B1", "B2", "C1", "C2"] },
    { rule: "declaration", key: "noMajorAccident3y" },
    { rule: "declaration", key: "hazmatTraining" },
  ],
  // 装卸管理人员 and 押运人员: age ≤ 60; junior middle school or above; hazmat training.
  "03002": [
    { rule: "min_age", years: 18 },
    { rule: "max_age", years: 60 },
    { rule: "min_education", level: "junior_middle" },
    { rule: "declaration", key: "hazmatTraining" },
  ],
  "03003": [
    { rule: "min_age", years: 18 },
    { rule: "max_age", years: 60 },
    { rule: "min_education", level: "junior_middle" },
    { rule: "declaration", key: "hazmatTraining" },
  ],
  // 出租汽车驾驶员 (巡游 / 网约): ≥ 3 years of driving; no drink-driving or traffic crime.
  "04001": [
    { rule: "licence_years", years: 3 },
    { rule: "declaration", key: "noDrunkDriving" },
  ],
  "04002": [
    { rule: "licence_years", years: 3 },
    { rule: "declaration", key: "noDrunkDriving" },
  ],
};
