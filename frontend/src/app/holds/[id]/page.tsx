import type { Metadata } from "next";

import { HoldView } from "@/components/hold-view";

export const metadata: Metadata = { title: "Your tickets are held", robots: { index: false } };

export default async function HoldPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <HoldView reservationId={id} />;
}
