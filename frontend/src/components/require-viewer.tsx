import Link from "next/link";

import { Button } from "@/components/ui/button";
import { StateScreen } from "@/components/state-screen";
import { FailureScreen } from "@/components/failure-screen";
import { loadViewer } from "@/lib/session";

/** Renders its children for a signed-in visitor; guests are asked to log in. */
export async function RequireViewer({ children, next }: { children: React.ReactNode; next: string }) {
  const loaded = await loadViewer();
  if (!loaded.ok) return <FailureScreen failure={loaded.failure} what="page" />;
  const viewer = loaded.viewer;
  if (!viewer) {
    return (
      <StateScreen
        kind="not-allowed"
        title="Please log in"
        actions={
          <>
            <Button asChild>
              <Link href={`/login?next=${encodeURIComponent(next)}`}>Log in</Link>
            </Button>
            <Button asChild variant="outline">
              <Link href="/register">Create an account</Link>
            </Button>
          </>
        }
      >
        <p>Your tickets and orders are kept in your account. Bought as a guest? Open the link from your ticket email.</p>
      </StateScreen>
    );
  }
  return <>{children}</>;
}
