import Link from "next/link";

import { Button } from "@/components/ui/button";
import { StateScreen } from "@/components/state-screen";

export default function NotFound() {
  return (
    <StateScreen
      kind="not-found"
      title="We couldn't find that page"
      actions={
        <Button asChild>
          <Link href="/">Browse events</Link>
        </Button>
      }
    >
      <p>The link may be old, or the event is no longer public.</p>
    </StateScreen>
  );
}
