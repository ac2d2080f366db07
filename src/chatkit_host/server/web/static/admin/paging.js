// Paging for the admin lists: the REST lists are keyset-paged on ids, so the next page starts after the last id
// shown ("after" + "has_more"), and a "Load more" button appends it to what is already on screen.
import { h } from "./dom.js";

export const PAGE_SIZE = 100;

export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") q.set(k, v);
  const text = q.toString();
  return text ? `?${text}` : "";
}

/**
 * Pages of the list at `path` (with `params`): `first()` loads the first page, and `control` holds the count
 * shown and the "Load more" button. Each page's objects go to `onPage(data, hasMore)`.
 */
export function pagedList(ctx, path, params, onPage) {
  const control = h("div", { class: "pager", style: { display: "flex", gap: "8px", alignItems: "center", marginTop: "8px" } });
  let shown = 0;

  async function load(after) {
    const page = await ctx.api(`${path}${query({ ...params, limit: PAGE_SIZE, after })}`);
    const more = Boolean(page.has_more && page.last_id);
    shown += page.data.length;
    onPage(page.data, more);
    const button = more
      ? h(
          "button",
          {
            class: "btn",
            type: "button",
            dataset: { action: "load-more" },
            onclick: async () => {
              button.disabled = true;
              try {
                await load(page.last_id);
              } catch (error) {
                button.disabled = false;
                ctx.showError(error);
              }
            },
          },
          "Load more",
        )
      : "";
    control.dataset.shown = String(shown);
    control.dataset.hasMore = String(more);
    // A list that fits one page needs no count; a longer one says how much of it is on screen.
    const paged = more || after !== undefined;
    control.replaceChildren(paged ? h("span", { class: "pager-count" }, more ? `${shown} shown` : `All ${shown} shown`) : "", button);
  }

  return { control, first: () => load(undefined) };
}
