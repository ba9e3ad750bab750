/**
 * The zones tests hand to code that writes or compares times in the node's zone (TIME_ZONE). The
 * certificates feature takes the zone from every caller (no default), so tests name it from here.
 */

/** The zone test nodes run in (TIME_ZONE unset: China's, Asia/Shanghai). */
export const NODE_TIME_ZONE = "Asia/Shanghai";

/**
 * A node zone that is not the default, twelve or thirteen hours behind China's: from midnight to
 * noon (or 1 pm) in China it is still the day before there, so a time written in the wrong zone
 * shows the wrong date, not only the wrong hour.
 */
export const OTHER_NODE_TIME_ZONE = "America/New_York";
