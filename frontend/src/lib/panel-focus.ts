import { useEffect, useRef } from "react";

/**
 * Focus for a panel that opens in place of its button: into the panel (its first element
 * matching `first`) when it opens, back to the button when it closes. Put `opener` on the
 * button's wrapper and `panel` on the panel.
 */
export function usePanelFocus(open: boolean, first: string) {
  const opener = useRef<HTMLDivElement>(null);
  const panel = useRef<HTMLDivElement>(null);
  const wasOpen = useRef(false);
  useEffect(() => {
    if (open) panel.current?.querySelector<HTMLElement>(first)?.focus();
    else if (wasOpen.current) opener.current?.querySelector("button")?.focus();
    wasOpen.current = open;
  }, [open, first]);
  return { opener, panel };
}
