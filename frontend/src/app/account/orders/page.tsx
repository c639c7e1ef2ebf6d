import type { Metadata } from "next";
import Link from "next/link";

import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { FailureScreen } from "@/components/failure-screen";
import { RequireViewer } from "@/components/require-viewer";
import { StateScreen } from "@/components/state-screen";
import { load, serverApi } from "@/lib/api/server";
import { formatMoney } from "@/lib/format";
import { orderStatusLabel, type OrderStatus } from "@/lib/orders";

export const metadata: Metadata = { title: "My orders" };
export const dynamic = "force-dynamic";

export default function MyOrdersPage() {
  return (
    <RequireViewer next="/account/orders">
      <MyOrders />
    </RequireViewer>
  );
}

function statusVariant(status: OrderStatus) {
  if (status === "paid") return "success" as const;
  if (status === "awaiting_payment") return "secondary" as const;
  return "destructive" as const;
}

async function MyOrders() {
  const api = await serverApi();
  const loaded = await load(() => api.GET("/me/orders"));
  if (!loaded.ok) return <FailureScreen failure={loaded.failure} what="order list" />;
  const { orders } = loaded.data;
  // The order list does not carry the event's title: ask each event once (as My tickets
  // does for time zones), so every order names what it was for.
  const titles = new Map(
    await Promise.all(
      [...new Set(orders.map((o) => o.event_id))].map(async (id) => {
        const event = await load(() => api.GET("/events/{event_id}", { params: { path: { event_id: id } } }));
        return [id, event.ok ? event.data.title : null] as const;
      }),
    ),
  );
  if (orders.length === 0) {
    return (
      <StateScreen
        kind="tickets"
        title="No orders yet"
        actions={
          <Button asChild>
            <Link href="/">Find an event</Link>
          </Button>
        }
      >
        <p>Orders you place while logged in appear here.</p>
      </StateScreen>
    );
  }
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-bold tracking-tight">My orders</h1>
      <Card className="p-2">
        <Table aria-label="My orders">
          <TableHeader>
            <TableRow>
              <TableHead>Event</TableHead>
              {/* Left out on phones, so the total and the status fit without scrolling. */}
              <TableHead className="hidden sm:table-cell">Placed</TableHead>
              <TableHead className="hidden sm:table-cell">Tickets</TableHead>
              <TableHead className="text-right">Total</TableHead>
              <TableHead>Status</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {orders.map((o) => (
              <TableRow key={o.order_id}>
                <TableCell className="max-w-[14rem] whitespace-normal break-words sm:max-w-sm">
                  <Link href={`/orders/${o.order_id}`} className="font-medium text-primary underline-offset-4 hover:underline">
                    {titles.get(o.event_id) ?? "Event"}
                  </Link>
                  <span className="block font-mono text-xs text-muted-foreground">Order {o.order_id.slice(0, 8)}</span>
                </TableCell>
                <TableCell className="hidden sm:table-cell">{new Date(o.created_at).toISOString().slice(0, 10)}</TableCell>
                <TableCell className="hidden sm:table-cell">{o.lines.reduce((n, l) => n + l.quantity, 0)}</TableCell>
                <TableCell className="text-right">{formatMoney(o.total)}</TableCell>
                <TableCell>
                  <Badge variant={statusVariant(o.status)}>{orderStatusLabel(o.status)}</Badge>
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </Card>
    </div>
  );
}
