import * as React from "react";
import { Ban, CalendarX, CircleAlert, Clock, Lock, Mail, SearchX, Ticket, WifiOff } from "lucide-react";

import { cn } from "@/lib/utils";

const ICONS = {
  offline: WifiOff,
  "not-found": SearchX,
  "not-allowed": Lock,
  empty: CalendarX,
  expired: Clock,
  failed: CircleAlert,
  "sold-out": Ban,
  tickets: Ticket,
  mail: Mail,
} as const;

export type ScreenKind = keyof typeof ICONS;

/**
 * The one designed screen for every state a visitor can land in: an icon, what happened,
 * what to do next. `data-state` names the state for tests and analytics.
 */
export function StateScreen({
  kind,
  title,
  children,
  actions,
  className,
  level = 1,
}: {
  /** 2 when the screen sits under a page's own h1. */
  level?: 1 | 2;
  kind: ScreenKind;
  title: string;
  children?: React.ReactNode;
  actions?: React.ReactNode;
  className?: string;
}) {
  const Icon = ICONS[kind];
  const Heading = level === 1 ? "h1" : "h2";
  const tone =
    kind === "failed" || kind === "expired" || kind === "sold-out"
      ? "bg-destructive/10 text-destructive"
      : "bg-accent text-accent-foreground";
  return (
    <section
      data-state={kind}
      aria-labelledby="state-title"
      className={cn("mx-auto flex max-w-md flex-col items-center px-4 py-12 text-center sm:py-20", className)}
    >
      <div className={cn("mb-5 flex size-14 items-center justify-center rounded-full", tone)}>
        <Icon aria-hidden className="size-7" />
      </div>
      <Heading id="state-title" className="text-2xl font-semibold tracking-tight">
        {title}
      </Heading>
      {children ? <div className="mt-3 text-muted-foreground">{children}</div> : null}
      {actions ? <div className="mt-6 flex flex-wrap justify-center gap-3">{actions}</div> : null}
    </section>
  );
}
