import { Skeleton } from "@/components/ui/skeleton";

/** Skeleton of a single-column page (a hold, an order) while it loads in the browser. */
export function PanelLoading({ label }: { label: string }) {
  return (
    <div role="status" className="mx-auto max-w-xl space-y-4">
      <span className="sr-only">{label}</span>
      <Skeleton className="h-8 w-2/3" />
      <Skeleton className="h-48" />
    </div>
  );
}
