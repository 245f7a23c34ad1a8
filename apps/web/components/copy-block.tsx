"use client";
import { useState } from "react";

/** A code block with a copy button (keyboard reachable). */
export function CopyBlock(props: { text: string; label: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <div className="code-block">
      <pre className="code" aria-label={props.label} tabIndex={0}>
        {props.text}
      </pre>
      <button
        type="button"
        className="secondary small"
        onClick={async () => {
          await navigator.clipboard?.writeText(props.text).catch(() => undefined);
          setCopied(true);
          setTimeout(() => setCopied(false), 1500);
        }}
      >
        {copied ? "Copied" : "Copy"}
      </button>
    </div>
  );
}
