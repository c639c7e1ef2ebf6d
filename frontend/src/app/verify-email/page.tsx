import type { Metadata } from "next";

import { VerifyEmail } from "@/components/verify-email";

export const metadata: Metadata = { title: "Verify your email", robots: { index: false } };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

/** The link of the verification email lands here; the token is sent on a click, not on load. */
export default async function VerifyEmailPage({ searchParams }: { searchParams: SearchParams }) {
  const { token } = await searchParams;
  return <VerifyEmail token={typeof token === "string" ? token : ""} />;
}
