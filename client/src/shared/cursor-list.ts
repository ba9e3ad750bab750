import { ref, type Ref } from "vue";

/**
 * One page of a list the server reads newest first, as every paged list route answers it: the
 * rows under the list's own name (`key`), how many match, where the next page starts.
 */
export type CursorPage<Key extends string, Row> = { [K in Key]: Row[] } & {
  total: number;
  next: string | null;
};

/**
 * A list read a page at a time with the server's cursor (`next` → `before`), as the candidate,
 * certificate, issuance, session and case lists are: `read` is the list's API call as it stands,
 * `key` the name its answer gives the rows. `reload` reads the first page with the filters as
 * they are now; `loadMore` the page after the rows shown, with the filters those rows were read
 * with: a filter changed but not yet searched must not be joined to the old cursor (that appended
 * a page of another list to the rows shown).
 */
export function useCursorList<Key extends string, Row, Filters extends object>(
  read: (query: Filters & { before?: string }) => Promise<CursorPage<Key, Row>>,
  key: Key,
  currentFilters: () => Filters,
) {
  const rows = ref([]) as Ref<Row[]>;
  const total = ref(0);
  const next = ref<string | null>(null);
  const loading = ref(false);
  let shownFilters = currentFilters();
  // Which read the rows belong to: a first page asked for again (a filter changed twice quickly)
  // makes every answer still on its way stale, so a slow older answer cannot replace a newer one.
  let generation = 0;

  async function fetchPage(before?: string): Promise<void> {
    if (!before) {
      shownFilters = currentFilters();
      generation++;
    }
    const asked = generation;
    loading.value = true;
    try {
      const page = await read({ ...shownFilters, ...(before ? { before } : {}) });
      if (asked !== generation) return;
      rows.value = before ? [...rows.value, ...page[key]] : page[key];
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
    // Argument-free: bound to @change or @click, the event's value must not read as a cursor.
    reload: (): Promise<void> => fetchPage(),
    loadMore: (): Promise<void> => (next.value ? fetchPage(next.value) : Promise.resolve()),
    /** Takes a row out where it stands (decided, withdrawn), keeping the pages already loaded. */
    drop: (match: (row: Row) => boolean): void => {
      const before = rows.value.length;
      rows.value = rows.value.filter((row) => !match(row));
      total.value = Math.max(0, total.value - (before - rows.value.length));
    },
  };
}
