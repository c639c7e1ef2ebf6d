import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { ChevronLeft } from "lucide-react";

import { FailureScreen } from "@/components/failure-screen";
import { HistoryTimeline } from "@/components/audit/history-timeline";
import { load, serverApi } from "@/lib/api/server";
import { shortId } from "@/lib/audit";
import { getViewer } from "@/lib/session";

export const metadata: Metadata = { title: "Order history", robots: { index: false } };
export const dynamic = "force-dynamic";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An order's story, for its event's organiser, auditors and admins (the API decides). */
export default async function OrderHistoryPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  if (!UUID.test(id)) notFound();
  const api = await serverApi();
  const [loaded, viewer] = await Promise.all([
    load(() => api.GET("/audit/orders/{order_id}/history", { params: { path: { order_id: id } } })),
    getViewer(),
  ]);
  if (!loaded.ok) return <FailureScreen failure={loaded.failure} what="order history" />;
  const history = loaded.data;
  return (
    <div className="space-y-6">
      <Link
        href={`/audit/events/${history.event_id}`}
        className="inline-flex items-center gap-1 text-sm text-muted-foreground hover:text-foreground"
      >
        <ChevronLeft aria-hidden className="size-4" /> Event history
      </Link>
      <header className="space-y-1">
        <h1 className="text-2xl font-bold tracking-tight">
          Order <span className="font-mono">{shortId(history.order_id)}</span>
        </h1>
        <p className="text-sm break-all text-muted-foreground">
          Every fact of order <span className="font-mono">{history.order_id}</span>, oldest first. Times are in the
          event&apos;s time zone ({history.time_zone ?? "UTC"}); UTC is beside each.
        </p>
      </header>
      <HistoryTimeline
        facts={history.facts}
        timeZone={history.time_zone}
        viewer={viewer}
        label="Order history"
        organiserId={history.organiser_id}
        stream={{ aggregateType: "Order", aggregateId: history.order_id }}
      />
    </div>
  );
}
