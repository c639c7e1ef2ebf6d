import type { Metadata } from "next";
import Link from "next/link";
import { Plus } from "lucide-react";

import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { FailureScreen } from "@/components/failure-screen";
import { StateScreen } from "@/components/state-screen";
import { RequireOrganiser } from "@/components/organiser/require-organiser";
import { StatusBadge } from "@/components/organiser/status-badge";
import { load, serverApi } from "@/lib/api/server";
import { formatEventTime } from "@/lib/format";

export const metadata: Metadata = { title: "Dashboard" };
export const dynamic = "force-dynamic";


export default function DashboardPage() {
  return (
    <RequireOrganiser>
      <MyEvents />
    </RequireOrganiser>
  );
}

async function MyEvents() {
  const api = await serverApi();
  const loaded = await load(() => api.GET("/organiser/events"));
  const header = (
    <header className="flex flex-wrap items-center justify-between gap-3">
      <div>
        <h1 className="text-2xl font-bold tracking-tight">My events</h1>
        <p className="text-sm text-muted-foreground">Create events, put them on sale and follow the sales.</p>
      </div>
      <Button asChild>
        <Link href="/organiser/events/new">
          <Plus aria-hidden /> New event
        </Link>
      </Button>
    </header>
  );
  if (!loaded.ok) {
    return (
      <div className="space-y-6">
        {header}
        <FailureScreen failure={loaded.failure} what="dashboard" />
      </div>
    );
  }
  const events = loaded.data.items;
  return (
    <div className="space-y-6">
      {header}
      {events.length === 0 ? (
        <StateScreen kind="empty" title="No events yet">
          <p>Create your first event: it stays a draft until you publish it.</p>
        </StateScreen>
      ) : (
        <Card className="p-2">
          <Table aria-label="My events">
            <TableHeader>
              <TableRow>
                <TableHead>Event</TableHead>
                <TableHead>When</TableHead>
                <TableHead>Status</TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {events.map((e) => (
                <TableRow key={e.id}>
                  {/* A long title wraps (even one long word) so the date and status stay in view. */}
                  <TableCell className="min-w-32 font-medium whitespace-normal [overflow-wrap:anywhere]">
                    <Link href={`/organiser/events/${e.id}`} className="text-primary underline-offset-4 hover:underline">
                      {e.title}
                    </Link>
                    <span className="block text-xs text-muted-foreground">{e.venue_name}</span>
                  </TableCell>
                  <TableCell className="whitespace-normal">{formatEventTime(e.starts_at, e.time_zone)}</TableCell>
                  <TableCell>
                    <StatusBadge status={e.status} />
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </Card>
      )}
    </div>
  );
}
