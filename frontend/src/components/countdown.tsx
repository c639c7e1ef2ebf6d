"use client";

import { useEffect, useState } from "react";

import { formatCountdown } from "@/lib/format";

/** Seconds until `deadline` (ms since the epoch), ticking once a second; calls onEnd once at zero. */
export function useSecondsLeft(deadline: number | null, onEnd: () => void): number | null {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (deadline === null) return;
    const timer = window.setInterval(() => setNow(Date.now()), 1000);
    return () => window.clearInterval(timer);
  }, [deadline]);
  const left = deadline === null ? null : Math.max(0, Math.ceil((deadline - now) / 1000));
  useEffect(() => {
    if (left === 0) onEnd();
  }, [left, onEnd]);
  return left;
}

export function Countdown({ secondsLeft }: { secondsLeft: number }) {
  const urgent = secondsLeft <= 60;
  return (
    <span
      role="timer"
      aria-live="off"
      aria-label={
        secondsLeft >= 3600
          ? `${Math.floor(secondsLeft / 3600)} hours ${Math.floor(secondsLeft / 60) % 60} minutes left`
          : `${Math.floor(secondsLeft / 60)} minutes ${secondsLeft % 60} seconds left`
      }
      className={urgent ? "font-mono text-destructive tabular-nums" : "font-mono tabular-nums"}
    >
      {formatCountdown(secondsLeft)}
    </span>
  );
}
