import type { Money } from "@/lib/api/types";
import { formatMoney } from "@/lib/format";
import { cn } from "@/lib/utils";

/** `money` times `quantity`, for a line of several tickets. */
export function times(money: Money, quantity: number): Money {
  return { amount_minor: money.amount_minor * quantity, currency: money.currency };
}

/**
 * A price; when a code changed it, the list price struck through before it (screen
 * readers hear "was €30.00, now €24.00").
 */
export function DiscountedPrice({ price, list, className }: { price: Money; list?: Money | null; className?: string }) {
  if (!list || list.amount_minor === price.amount_minor) return <span className={className}>{formatMoney(price)}</span>;
  return (
    <span className={cn("inline-flex flex-wrap items-baseline gap-x-2", className)} data-discounted>
      <span className="sr-only">was</span>
      <s className="text-muted-foreground">{formatMoney(list)}</s>
      <span className="sr-only">, now</span>
      <span className="font-semibold text-success">{formatMoney(price)}</span>
    </span>
  );
}
