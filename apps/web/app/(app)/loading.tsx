import { KpiSkeleton, Skeleton } from "@/components/dashboard/sections";

export default function Loading() {
  return (
    <main className="wide stack-lg" aria-busy="true">
      <div className="skeleton" style={{ height: 36, width: 280 }} />
      <Skeleton height={120} />
      <KpiSkeleton />
      <Skeleton height={360} />
    </main>
  );
}
