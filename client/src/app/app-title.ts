/** The system's name, as the ministry's basic edition is titled. */
export const APP_TITLE = "道路运输从业人员考试系统（基本版）";
