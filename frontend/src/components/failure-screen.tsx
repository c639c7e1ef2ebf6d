import Link from "next/link";

import { Button } from "@/components/ui/button";
import { ReloadButton } from "@/components/reload-button";
import { StateScreen } from "@/components/state-screen";
import type { Failure } from "@/lib/api/problem";

/**
 * The screen for a failed load, on server and client pages alike: offline API, not found,
 * not signed in, not allowed, or the API's own reason.
 */
export function FailureScreen({ failure, what = "page", level = 1 }: { failure: Failure; what?: string; level?: 1 | 2 }) {
  const home = (
    <Button asChild variant="outline">
      <Link href="/">Browse events</Link>
    </Button>
  );
  if (failure.kind === "offline") {
    return (
      <StateScreen
        level={level}
        kind="offline"
        title="We can't reach the box office"
        actions={
          <>
            <ReloadButton />
            {home}
          </>
        }
      >
        <p>The ticketing service is not answering right now. Your holds and tickets are safe; please try again in a moment.</p>
      </StateScreen>
    );
  }
  if (failure.status === 404) {
    return (
      <StateScreen level={level} kind="not-found" title={`This ${what} does not exist`} actions={home}>
        <p>It may have been removed, or the link is mistyped.</p>
      </StateScreen>
    );
  }
  if (failure.status === 401) {
    return (
      <StateScreen
        level={level}
        kind="not-allowed"
        title="Please log in"
        actions={
          <>
            <Button asChild>
              <Link href="/login">Log in</Link>
            </Button>
            {home}
          </>
        }
      >
        <p>
          You need to be signed in to see this {what}. Started as a guest? Open it in the browser tab where you began,
          or from the link in your email.
        </p>
      </StateScreen>
    );
  }
  if (failure.status === 403) {
    return (
      <StateScreen level={level} kind="not-allowed" title="You can't open this" actions={home}>
        <p>Your account is not allowed to see this {what}. If you think it should be, ask the event&apos;s organiser.</p>
      </StateScreen>
    );
  }
  return (
    <StateScreen level={level} kind="failed" title="Something went wrong" actions={home}>
      <p>{failure.problem.detail || failure.problem.title}</p>
    </StateScreen>
  );
}
