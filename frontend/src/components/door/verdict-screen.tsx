"use client";

import { CheckCircle2, CircleAlert, XCircle } from "lucide-react";
import { useEffect, useRef } from "react";

import type { Shown } from "@/lib/door/verdicts";
import { cn } from "@/lib/utils";

/** How long a verdict stays up unless a tap or the next ticket replaces it. */
const VERDICT_MS = 2500;

/** A verdict on screen: `startedAt` is when its code was read (performance.now()). */
export type ShownVerdict = Shown & { id: number; startedAt: number };

const LOOK = {
  yes: { className: "bg-green-700 text-white", Icon: CheckCircle2 },
  no: { className: "bg-red-700 text-white", Icon: XCircle },
  warn: { className: "bg-amber-400 text-black", Icon: CircleAlert },
} as const;

/** The verdict over the whole screen, in colours nobody can misread; a tap closes it. */
export function VerdictScreen({ verdict, onDone }: { verdict: ShownVerdict; onDone: () => void }) {
  const screen = useRef<HTMLButtonElement>(null);
  // From reading the code to the first frame that shows the verdict: what the door agent
  // waits for (docs/benchmarks.md reads it).
  useEffect(() => {
    const frame = requestAnimationFrame(() => {
      if (screen.current) screen.current.dataset.visibleMs = String(Math.round(performance.now() - verdict.startedAt));
    });
    return () => cancelAnimationFrame(frame);
  }, [verdict.startedAt]);
  useEffect(() => {
    const timer = window.setTimeout(onDone, VERDICT_MS);
    return () => window.clearTimeout(timer);
  }, [onDone]);
  const { className, Icon } = LOOK[verdict.tone];
  return (
    <button
      ref={screen}
      type="button"
      role="alert"
      data-verdict-id={verdict.id}
      onClick={onDone}
      data-verdict={verdict.title.toLowerCase().replace(/ /g, "-")}
      data-offline={verdict.offline ? "yes" : "no"}
      className={cn("fixed inset-0 z-50 flex flex-col items-center justify-center gap-4 p-6 text-center", className)}
    >
      <Icon aria-hidden className="size-24" strokeWidth={2.5} />
      <span className="text-4xl font-black tracking-tight sm:text-6xl">{verdict.title}</span>
      {verdict.lines.map((line) => (
        <span key={line} className="max-w-md text-xl font-semibold sm:text-2xl">
          {line}
        </span>
      ))}
      {verdict.offline ? <span className="rounded-full border-2 border-current px-3 py-1 text-sm font-bold">Checked offline</span> : null}
      <span className="mt-6 text-sm opacity-80">Tap to scan the next ticket</span>
    </button>
  );
}
