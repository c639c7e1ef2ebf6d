import type { Metadata } from "next";
import { notFound } from "next/navigation";

import { DoorScanner } from "@/components/door/scanner";
import { RequireViewer } from "@/components/require-viewer";

export const metadata: Metadata = { title: "Door scanner" };
export const dynamic = "force-dynamic";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export default async function DoorScannerPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  if (!UUID.test(id)) notFound();
  return (
    <RequireViewer next={`/door/events/${id}`}>
      <DoorScanner eventId={id.toLowerCase()} />
    </RequireViewer>
  );
}
