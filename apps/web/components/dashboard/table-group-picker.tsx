"use client";
import { usePathname, useRouter, useSearchParams } from "next/navigation";

/** Which dimension the breakdown table groups by (kept in the URL as `table`). */
export function TableGroupPicker(props: { value: string }) {
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  return (
    <label className="row small">
      Group by
      <select
        aria-label="Group by"
        value={props.value}
        onChange={(event) => {
          const next = new URLSearchParams(params.toString());
          next.set("table", event.target.value);
          next.delete("page");
          router.push(`${pathname}?${next.toString()}`, { scroll: false });
        }}
      >
        <option value="service">Service</option>
        <option value="account">Account</option>
        <option value="payer">Payer / billing account</option>
        <option value="region">Region</option>
        <option value="instanceType">Instance type</option>
        <option value="provider">Provider</option>
        <option value="scope">Scope</option>
      </select>
    </label>
  );
}
