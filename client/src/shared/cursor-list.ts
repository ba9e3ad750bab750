import { ref, type Ref } from "vue";

/**
 * One page of a list the server reads newest first, as every paged list route answers it: the
 * rows under the list's own name (`key`), how many match, where the next page starts.
 */
export type CursorPage<Key extends string, Row> = { [K in Key]: Row[] } & {
  total: number;
  next: string | null;
};

/** How a list read is asked: a first page's failure is the page's to show (LoadFailed), not a toast too. */
export interface ReadOptions {
  notify: boolean;
}

/** A row's identity for `appendOnce`: its `id` where it has one (every list row but audit entries). */
function idOf(row: unknown): unknown {
  return typeof row === "object" && row !== null && "id" in row ? row.id : undefined;
}

/**
 * The next page joined to the rows shown, each row once: a row already shown (a list paged on a
 * field that changed between two reads answers it again) is refreshed where it stands, never
 * listed twice.
 */
export function appendOnce<Row>(shown: Row[], page: Row[]): Row[] {
  const at = new Map<unknown, number>();
  shown.forEach((row, i) => {
    const id = idOf(row);
    if (id !== undefined) at.set(id, i);
  });
  const joined = [...shown];
  for (const row of page) {
    const id = idOf(row);
    const i = id === undefined ? undefined : at.get(id);
    if (i === undefined) {
      if (id !== undefined) at.set(id, joined.length);
      joined.push(row);
    } else joined[i] = row;
  }
  return joined;
}

/**
 * A list read a page at a time with the server's cursor (`next` → `before`), as the candidate,
 * certificate, issuance, session and case lists are: `read` is the list's API call as it stands,
 * `key` the name its answer gives the rows. `reload` reads the first page with the filters as
 * they are now; `loadMore` the page after the rows shown, with the filters those rows were read
 * with: a filter changed but not yet searched must not be joined to the old cursor (that appended
 * a page of another list to the rows shown).
 *
 * A first page that fails empties the list and leaves `error` saying why, for the page to show
 * with 重试 in place of an empty table ("暂无…" read as "there are none"); the filters the rows
 * were read with change only when a first page answers, and there is no next page until one
 * does. A later page that fails keeps the rows and the cursor (加载更多 can ask again) and
 * rejects, for its caller.
 */
export function useCursorList<Key extends string, Row, Filters extends object>(
  read: (query: Filters & { before?: string }, options: ReadOptions) => Promise<CursorPage<Key, Row>>,
  key: Key,
  currentFilters: () => Filters,
) {
  const rows = ref([]) as Ref<Row[]>;
  const total = ref(0);
  const next = ref<string | null>(null);
  const loading = ref(false);
  /** Why the first page could not be read; null once one has been. */
  const error = ref<string | null>(null);
  let shownFilters = currentFilters();
  // Which read the rows belong to: a first page asked for again (a filter changed twice quickly)
  // makes every answer still on its way stale, so a slow older answer cannot replace a newer one.
  let generation = 0;

  async function firstPage(): Promise<void> {
    const filters = currentFilters();
    const asked = ++generation;
    loading.value = true;
    try {
      const page = await read(filters, { notify: false });
      if (asked !== generation) return;
      shownFilters = filters;
      rows.value = page[key];
      total.value = page.total;
      next.value = page.next;
      error.value = null;
    } catch (err) {
      if (asked !== generation) return;
      rows.value = [];
      total.value = 0;
      next.value = null;
      error.value = err instanceof Error && err.message ? err.message : "加载失败，请重试";
    } finally {
      if (asked === generation) loading.value = false;
    }
  }

  async function laterPage(before: string): Promise<void> {
    const asked = generation;
    loading.value = true;
    try {
      const page = await read({ ...shownFilters, before }, { notify: true });
      if (asked !== generation) return;
      rows.value = appendOnce(rows.value, page[key]);
      total.value = page.total;
      next.value = page.next;
    } finally {
      if (asked === generation) loading.value = false;
    }
  }

  return {
    rows,
    total,
    next,
    loading,
    error,
    // Argument-free: bound to @change or @click, the event's value must not read as a cursor.
    reload: (): Promise<void> => firstPage(),
    /**
     * One page at a time: a second press while a page is on its way would append it twice, and the
     * second click of a double click (`detail` counts the clicks in a row) read a second page after
     * a quick first one had answered. Bound to @click, only the click's count is read.
     */
    loadMore: (event?: { detail?: unknown }): Promise<void> =>
      next.value && !loading.value && !(typeof event?.detail === "number" && event.detail > 1)
        ? laterPage(next.value)
        : Promise.resolve(),
    /** Takes a row out where it stands (decided, withdrawn), keeping the pages already loaded. */
    drop: (match: (row: Row) => boolean): void => {
      const before = rows.value.length;
      rows.value = rows.value.filter((row) => !match(row));
      total.value = Math.max(0, total.value - (before - rows.value.length));
    },
  };
}
