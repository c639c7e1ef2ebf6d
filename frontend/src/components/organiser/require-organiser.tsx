import Link from "next/link";

import { Button } from "@/components/ui/button";
import { StateScreen } from "@/components/state-screen";
import { FailureScreen } from "@/components/failure-screen";
import { isOrganiser, loadViewer } from "@/lib/session";

/** Renders its children for organisers and admins; guests are asked to log in, buyers are told no. */
export async function RequireOrganiser({ children, next = "/organiser" }: { children: React.ReactNode; next?: string }) {
  const loaded = await loadViewer();
  if (!loaded.ok) return <FailureScreen failure={loaded.failure} what="dashboard" />;
  const viewer = loaded.viewer;
  if (!viewer) {
    return (
      <StateScreen
        kind="not-allowed"
        title="Organisers, please log in"
        actions={
          <Button asChild>
            <Link href={`/login?next=${encodeURIComponent(next)}`}>Log in</Link>
          </Button>
        }
      >
        <p>The dashboard is where you create events, put them on sale and follow your sales.</p>
      </StateScreen>
    );
  }
  if (!isOrganiser(viewer)) {
    return (
      <StateScreen
        kind="not-allowed"
        title="This is for organisers"
        actions={
          <Button asChild variant="outline">
            <Link href="/">Browse events</Link>
          </Button>
        }
      >
        <p>Your account can buy tickets but not run events. Ask an administrator to make you an organiser.</p>
      </StateScreen>
    );
  }
  return <>{children}</>;
}
