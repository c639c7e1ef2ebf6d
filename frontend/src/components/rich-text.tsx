import { Fragment, type ReactNode } from "react";

import { cn } from "@/lib/utils";

// A web address in running text; what may end it is trimmed below.
const URL_PATTERN = /\bhttps?:\/\/[^\s<>"]+/gi;
// Punctuation that ends a sentence rather than the address ("see https://a.example/.").
const TRAILING = /[.,;:!?'")\]]+$/;

/**
 * An organiser's text as buyers read it: blank lines start paragraphs, single line breaks
 * are kept, and http(s) addresses become links. Nothing in the text is ever taken as
 * markup: every character is rendered as text by React (which escapes it), and only the
 * addresses found in it are turned into <a> elements, opened with
 * rel="noopener noreferrer nofollow".
 */
export function RichText({ text, className }: { text: string; className?: string }) {
  const paragraphs = text
    .replace(/\r\n?/g, "\n")
    .split(/\n[ \t]*\n+/)
    .map((p) => p.trim())
    .filter(Boolean);
  return (
    <div className={cn("space-y-3", className)}>
      {paragraphs.map((paragraph, i) => (
        <p key={i} className="whitespace-pre-line">
          {linkify(paragraph)}
        </p>
      ))}
    </div>
  );
}

/** `text` with its http(s) addresses as links; everything else stays text. */
export function linkify(text: string): ReactNode[] {
  const nodes: ReactNode[] = [];
  let last = 0;
  for (const match of text.matchAll(URL_PATTERN)) {
    const start = match.index ?? 0;
    const raw = match[0];
    const address = raw.replace(TRAILING, "");
    const href = safeHref(address);
    if (!href) continue;
    if (start > last) nodes.push(<Fragment key={`t${last}`}>{text.slice(last, start)}</Fragment>);
    nodes.push(
      <a
        key={`a${start}`}
        href={href}
        rel="noopener noreferrer nofollow"
        target="_blank"
        className="break-words text-primary underline underline-offset-4"
      >
        {address}
      </a>,
    );
    last = start + address.length;
  }
  if (last < text.length) nodes.push(<Fragment key={`t${last}`}>{text.slice(last)}</Fragment>);
  return nodes;
}

/** The address as a link target if it is a well-formed http or https URL, else null. */
function safeHref(address: string): string | null {
  try {
    const url = new URL(address);
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
  } catch {
    return null;
  }
}
