"use client";
import Link from "next/link";
import { usePathname } from "next/navigation";
import { useState } from "react";

/** The main navigation; on narrow screens it folds behind a Menu button (closed after each move). */
export function NavLinks(props: { links: { href: string; label: string }[] }) {
  const pathname = usePathname();
  const [open, setOpen] = useState(false);
  const [openedAt, setOpenedAt] = useState(pathname);
  if (open && openedAt !== pathname) setOpen(false);
  return (
    <>
      <button
        type="button"
        className="secondary small nav-toggle"
        aria-expanded={open}
        aria-controls="main-nav"
        onClick={() => {
          setOpen(!open);
          setOpenedAt(pathname);
        }}
      >
        Menu
      </button>
      <nav id="main-nav" aria-label="Main" className={open ? "open" : undefined}>
        {props.links.map((link) => {
          const current = link.href === "/" ? pathname === "/" : pathname.startsWith(link.href);
          return (
            <Link key={link.href} href={link.href} aria-current={current ? "page" : undefined}>
              {link.label}
            </Link>
          );
        })}
      </nav>
    </>
  );
}
