"use client";
import { useId, useMemo, useRef, useState, type KeyboardEvent } from "react";

export type ComboOption = { value: string; label: string; hint?: string | undefined };

/** Options shown at once; typing narrows the rest (an organization may have hundreds of services). */
const MAX_SHOWN = 100;

/**
 * A searchable multi-select (WAI-ARIA combobox pattern with a multi-selectable listbox): type to
 * filter, arrow keys to move, Enter to toggle, Escape to close, Backspace on an empty search removes
 * the last choice. Choices show as removable chips; `name` adds hidden inputs
 * so the choices submit with the form.
 */
export function MultiCombobox(props: {
  label: string;
  name?: string;
  options: ComboOption[];
  value: string[];
  onChange: (value: string[]) => void;
  onOpen?: () => void;
  placeholder?: string;
  loading?: boolean;
  /** Only one choice (e.g. a tag key): picking replaces it and closes the list. */
  single?: boolean;
  emptyText?: string;
}) {
  const id = useId();
  const listId = `${id}-list`;
  const [open, setOpen] = useState(false);
  const [search, setSearch] = useState("");
  const [active, setActive] = useState(0);
  const input = useRef<HTMLInputElement>(null);
  const labels = useMemo(
    () => new Map(props.options.map((o) => [o.value, o.label])),
    [props.options],
  );
  const { matches, hidden } = useMemo(() => {
    const needle = search.trim().toLowerCase();
    const found = needle
      ? props.options.filter(
          (o) =>
            o.label.toLowerCase().includes(needle) ||
            o.value.toLowerCase().includes(needle) ||
            (o.hint ?? "").toLowerCase().includes(needle),
        )
      : props.options;
    return { matches: found.slice(0, MAX_SHOWN), hidden: Math.max(0, found.length - MAX_SHOWN) };
  }, [props.options, search]);

  const show = () => {
    if (!open) props.onOpen?.();
    setOpen(true);
  };
  const toggle = (value: string) => {
    if (props.single) {
      props.onChange(props.value.includes(value) ? [] : [value]);
      setOpen(false);
    } else {
      props.onChange(
        props.value.includes(value)
          ? props.value.filter((v) => v !== value)
          : [...props.value, value],
      );
    }
    setSearch("");
    input.current?.focus();
  };

  function onKeyDown(event: KeyboardEvent<HTMLInputElement>) {
    switch (event.key) {
      case "ArrowDown":
        event.preventDefault();
        show();
        setActive((i) => Math.min(i + 1, Math.max(matches.length - 1, 0)));
        break;
      case "ArrowUp":
        event.preventDefault();
        setActive((i) => Math.max(i - 1, 0));
        break;
      case "Home":
        if (open) {
          event.preventDefault();
          setActive(0);
        }
        break;
      case "End":
        if (open) {
          event.preventDefault();
          setActive(Math.max(matches.length - 1, 0));
        }
        break;
      case "Enter":
        // Enter picks the active option; it never submits the filter form from here.
        event.preventDefault();
        if (open && matches[active]) toggle(matches[active].value);
        else show();
        break;
      case "Escape":
        if (open) {
          event.preventDefault();
          setOpen(false);
        }
        break;
      case "Backspace":
        if (search === "" && props.value.length) props.onChange(props.value.slice(0, -1));
        break;
    }
  }

  const activeId = open && matches[active] ? `${id}-opt-${active}` : undefined;
  return (
    <div
      className="combo"
      onBlur={(event) => {
        if (!event.currentTarget.contains(event.relatedTarget as Node | null)) setOpen(false);
      }}
    >
      <label htmlFor={`${id}-input`} className="combo-label">
        {props.label}
      </label>
      <div className="combo-box">
        {props.value.map((value) => (
          <span key={value} className="chip">
            {labels.get(value) ?? value}
            <button
              type="button"
              aria-label={`Remove ${labels.get(value) ?? value} from ${props.label}`}
              onClick={() => props.onChange(props.value.filter((v) => v !== value))}
            >
              ×
            </button>
          </span>
        ))}
        <input
          ref={input}
          id={`${id}-input`}
          role="combobox"
          aria-expanded={open}
          aria-controls={listId}
          aria-autocomplete="list"
          aria-activedescendant={activeId}
          autoComplete="off"
          value={search}
          placeholder={props.value.length ? "" : (props.placeholder ?? "All")}
          onChange={(event) => {
            setSearch(event.target.value);
            setActive(0);
            show();
          }}
          onFocus={show}
          onClick={show}
          onKeyDown={onKeyDown}
        />
      </div>
      {props.name &&
        props.value.map((value) => (
          <input key={value} type="hidden" name={props.name} value={value} />
        ))}
      <ul
        id={listId}
        role="listbox"
        aria-label={props.label}
        aria-multiselectable={props.single ? undefined : true}
        className="combo-list"
        hidden={!open}
      >
        {props.loading && <li className="muted small combo-note">Loading…</li>}
        {!props.loading && matches.length === 0 && (
          <li className="muted small combo-note">
            {search
              ? `Nothing matches “${search}”.`
              : (props.emptyText ?? "No values in this range.")}
          </li>
        )}
        {matches.map((option, i) => {
          const selected = props.value.includes(option.value);
          return (
            <li
              key={option.value}
              id={`${id}-opt-${i}`}
              role="option"
              aria-selected={selected}
              data-value={option.value}
              className={i === active ? "active" : undefined}
              // mousedown, not click: keeps the focus in the input so the list stays open.
              onMouseDown={(event) => {
                event.preventDefault();
                setActive(i);
                toggle(option.value);
              }}
            >
              <span aria-hidden="true" className="check">
                {selected ? "✓" : ""}
              </span>
              {option.label}
              {option.hint && <span className="muted small"> {option.hint}</span>}
            </li>
          );
        })}
        {hidden > 0 && (
          <li className="muted small combo-note">{hidden} more: type to narrow the list.</li>
        )}
      </ul>
    </div>
  );
}
