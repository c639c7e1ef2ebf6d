import Link from "next/link";
import { Ticket, UserRound } from "lucide-react";

import { Button } from "@/components/ui/button";
import { LogoutButton } from "@/components/logout-button";
import { getViewer, hasDoorAccess, isAuditor, isOrganiser } from "@/lib/session";

/** The top bar: brand, the buyer's places, the organiser's dashboard, the account. */
export async function SiteHeader() {
  const viewer = await getViewer();
  return (
    <header className="sticky top-0 z-40 border-b bg-background/95 backdrop-blur supports-[backdrop-filter]:bg-background/80">
      <div className="mx-auto flex h-14 max-w-6xl items-center gap-2 px-4 sm:gap-4 sm:px-6">
        <Link href="/" className="flex items-center gap-2 font-semibold tracking-tight" aria-label="Carneau, all events">
          <span className="flex size-8 items-center justify-center rounded-lg bg-primary text-primary-foreground">
            <Ticket aria-hidden className="size-4" />
          </span>
          <span className="hidden sm:inline">Carneau</span>
        </Link>
        <nav aria-label="Main" className="flex min-w-0 flex-1 items-center overflow-x-auto text-sm sm:gap-1 [&_a]:px-2 sm:[&_a]:px-3">
          <Button asChild variant="ghost" size="sm">
            <Link href="/">Events</Link>
          </Button>
          {viewer ? (
            <>
              <Button asChild variant="ghost" size="sm">
                <Link href="/account/tickets" aria-label="My tickets">
                  <span className="sm:hidden">Tickets</span>
                  <span className="hidden sm:inline">My tickets</span>
                </Link>
              </Button>
              <Button asChild variant="ghost" size="sm" className="hidden sm:inline-flex">
                <Link href="/account/orders">My orders</Link>
              </Button>
            </>
          ) : null}
          {isOrganiser(viewer) ? (
            <Button asChild variant="ghost" size="sm">
              <Link href="/organiser">Dashboard</Link>
            </Button>
          ) : null}
          {hasDoorAccess(viewer) ? (
            <Button asChild variant="ghost" size="sm">
              <Link href="/door">Door</Link>
            </Button>
          ) : null}
          {isAuditor(viewer) ? (
            <Button asChild variant="ghost" size="sm">
              <Link href="/audit">Log</Link>
            </Button>
          ) : null}
        </nav>
        {viewer ? (
          <div className="flex items-center gap-2">
            <Button asChild variant="ghost" size="sm">
              <Link href="/account" aria-label="My account" title={viewer.email}>
                <UserRound aria-hidden />
                <span className="hidden max-w-40 truncate text-muted-foreground md:inline">{viewer.name || viewer.email}</span>
              </Link>
            </Button>
            {/* On a phone the bar has no room for it: the account page has it. */}
            <span className="hidden sm:inline">
              <LogoutButton />
            </span>
          </div>
        ) : (
          <div className="flex items-center gap-1">
            <Button asChild variant="ghost" size="sm">
              <Link href="/login">Log in</Link>
            </Button>
            <Button asChild size="sm">
              <Link href="/register">Sign up</Link>
            </Button>
          </div>
        )}
      </div>
    </header>
  );
}
