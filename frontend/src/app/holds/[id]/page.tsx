import type { Metadata } from "next";

import { HoldView } from "@/components/hold-view";
import { CODE_NOT_APPLIED_PARAM } from "@/lib/codes";

export const metadata: Metadata = { title: "Your tickets are held", robots: { index: false } };

export default async function HoldPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { id } = await params;
  const notApplied = (await searchParams)[CODE_NOT_APPLIED_PARAM];
  return <HoldView reservationId={id} codeNotApplied={typeof notApplied === "string" ? notApplied : null} />;
}
