import type { Metadata } from "next";
import Link from "next/link";

import { Badge } from "@/components/ui/badge";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { ChangePasswordForm } from "@/components/account/change-password-form";
import { SessionActions } from "@/components/account/session-actions";
import { VerifyEmailPanel } from "@/components/account/verify-email-panel";
import { RequireViewer } from "@/components/require-viewer";
import { getViewer } from "@/lib/session";

export const metadata: Metadata = { title: "My account", robots: { index: false } };
export const dynamic = "force-dynamic";

export default function AccountPage() {
  return (
    <RequireViewer next="/account">
      <Account />
    </RequireViewer>
  );
}

async function Account() {
  const viewer = await getViewer();
  if (!viewer) return null;
  return (
    <div className="mx-auto max-w-2xl space-y-6">
      <header className="space-y-1">
        <h1 className="text-2xl font-bold tracking-tight">My account</h1>
        <p className="text-sm text-muted-foreground">
          See your <Link href="/account/tickets" className="text-primary underline-offset-4 hover:underline">tickets</Link>{" "}
          and <Link href="/account/orders" className="text-primary underline-offset-4 hover:underline">orders</Link>.
        </p>
      </header>

      <Card>
        <CardHeader>
          <CardTitle>Profile</CardTitle>
        </CardHeader>
        <CardContent>
          <dl className="grid gap-3 text-sm sm:grid-cols-[8rem_1fr]">
            <dt className="text-muted-foreground">Name</dt>
            <dd className="font-medium">{viewer.name}</dd>
            <dt className="text-muted-foreground">Email</dt>
            <dd className="flex flex-wrap items-center gap-2 break-all font-medium">
              {viewer.email}
              <Badge variant={viewer.email_verified ? "success" : "secondary"}>
                {viewer.email_verified ? "Verified" : "Not verified"}
              </Badge>
            </dd>
          </dl>
          {viewer.email_verified ? null : (
            <div className="mt-4 border-t pt-4">
              <VerifyEmailPanel email={viewer.email} />
            </div>
          )}
        </CardContent>
      </Card>

      <Card>
        <CardHeader>
          <CardTitle>Change password</CardTitle>
          <CardDescription>
            Other browsers and devices are logged out when it changes; this one stays logged in.
          </CardDescription>
        </CardHeader>
        <CardContent>
          <ChangePasswordForm />
        </CardContent>
      </Card>

      <Card>
        <CardHeader>
          <CardTitle>Sessions</CardTitle>
          <CardDescription>Log out of this browser, or of every browser and device at once.</CardDescription>
        </CardHeader>
        <CardContent>
          <SessionActions />
        </CardContent>
      </Card>
    </div>
  );
}
