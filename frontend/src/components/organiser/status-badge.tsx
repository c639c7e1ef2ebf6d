import { Badge } from "@/components/ui/badge";
import type { EventStatus } from "@/lib/api/types";

/** draft / published / cancelled, as a badge. */
export function StatusBadge({ status }: { status: EventStatus }) {
  if (status === "published") return <Badge variant="success">On sale</Badge>;
  if (status === "cancelled") return <Badge variant="destructive">Cancelled</Badge>;
  return <Badge variant="secondary">Draft</Badge>;
}
