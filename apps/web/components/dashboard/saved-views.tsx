"use client";
import Link from "next/link";
import { usePathname, useSearchParams } from "next/navigation";
import { useState, useTransition, type FormEvent } from "react";
import type { SavedView } from "@canopy/db";
import { deleteViewAction, saveViewAction } from "@/app/actions/saved-views";

/** The user's saved dashboard views (their URLs), and saving the current one under a name. */
export function SavedViews(props: { views: SavedView[] }) {
  const pathname = usePathname();
  const params = useSearchParams();
  const [views, setViews] = useState(props.views);
  const [error, setError] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();
  const current = params.toString();

  function save(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const name = String(new FormData(form).get("name") ?? "");
    startTransition(async () => {
      const result = await saveViewAction({ name, query: current });
      if (!result.ok) {
        setError(
          [result.error.message, ...Object.values(result.error.fields ?? {}).flat()].join(" "),
        );
        return;
      }
      setError(null);
      form.reset();
      setViews((list) =>
        [...list.filter((v) => v.name !== result.data.name), result.data].sort((a, b) =>
          a.name.toLowerCase().localeCompare(b.name.toLowerCase()),
        ),
      );
    });
  }

  function remove(id: string) {
    startTransition(async () => {
      const result = await deleteViewAction({ id });
      if (!result.ok) setError(result.error.message);
      else setViews((list) => list.filter((v) => v.id !== id));
    });
  }

  return (
    <details className="saved-views small" data-testid="saved-views">
      <summary>Saved views ({views.length})</summary>
      <div className="stack-lg saved-views-body">
        {views.length === 0 ? (
          <p className="muted">
            No saved views yet. Set the filters, drill down, then save the view to come back to it;
            the address bar&apos;s URL can also be shared as it is.
          </p>
        ) : (
          <ul className="saved-list">
            {views.map((view) => (
              <li key={view.id} className="row">
                <Link
                  href={view.query ? `${pathname}?${view.query}` : pathname}
                  aria-current={view.query === current ? "page" : undefined}
                >
                  {view.name}
                </Link>
                <button
                  type="button"
                  className="secondary small"
                  disabled={pending}
                  aria-label={`Delete saved view ${view.name}`}
                  onClick={() => remove(view.id)}
                >
                  Delete
                </button>
              </li>
            ))}
          </ul>
        )}
        <form className="row" onSubmit={save}>
          <label className="row">
            Save this view as
            <input name="name" required maxLength={80} placeholder="e.g. AWS prod by service" />
          </label>
          <button type="submit" className="small" disabled={pending}>
            Save view
          </button>
        </form>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
      </div>
    </details>
  );
}
