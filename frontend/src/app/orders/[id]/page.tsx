import type { Metadata } from "next";

import { OrderView } from "@/components/order-view";

export const metadata: Metadata = { title: "Your order", robots: { index: false } };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function OrderPage({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: SearchParams }) {
  const { id } = await params;
  const query = await searchParams;
  const key = typeof query.key === "string" ? query.key : null;
  return <OrderView orderId={id} orderKey={key} cancelled={query.cancelled === "true"} />;
}
