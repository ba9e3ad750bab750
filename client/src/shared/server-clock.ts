import { onScopeDispose, ref, type Ref } from "vue";
import { useConnectionStore } from "./socket.js";

/**
 * The server's time now (epoch ms), ticking every `everyMs`: the browser's clock corrected by the
 * offset measured at each socket connect (`system:ping`; 0 until then). Pages that show "today"
 * or read a window of days around it recompute from it, so a page left open past midnight moves
 * on to the new day instead of keeping yesterday's.
 */
export function useServerClock(everyMs = 30_000): Readonly<Ref<number>> {
  const conn = useConnectionStore();
  const now = ref(Date.now() + conn.clockOffsetMs);
  const timer = window.setInterval(() => {
    now.value = Date.now() + conn.clockOffsetMs;
  }, everyMs);
  onScopeDispose(() => window.clearInterval(timer));
  return now;
}
