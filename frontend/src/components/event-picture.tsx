import type { EventImage } from "@/lib/api/types";
import { cn } from "@/lib/utils";

/** The browser reaches the API's image routes through this server's `/api` proxy. */
export function imageUrl(url: string): string {
  return `/api${url}`;
}

/**
 * One event image with every stored width in `srcset`, so the browser downloads the
 * smallest that fills `sizes` on this screen. Width and height give the box its aspect
 * ratio before the bytes arrive (no layout shift).
 */
export function EventPicture({
  image,
  sizes,
  className,
  eager = false,
}: {
  image: EventImage;
  sizes: string;
  className?: string;
  eager?: boolean;
}) {
  const largest = image.sources[image.sources.length - 1];
  if (!largest) return null;
  const srcSet = image.sources.map((source) => `${imageUrl(source.url)} ${source.width}w`).join(", ");
  return (
    // A plain <img srcset sizes>: the API already stores the widths the pages use, so
    // next/image's optimiser would only re-encode them a second time.
    // eslint-disable-next-line @next/next/no-img-element
    <img
      src={imageUrl(largest.url)}
      srcSet={srcSet}
      sizes={sizes}
      alt={image.alt}
      width={image.width}
      height={image.height}
      loading={eager ? "eager" : "lazy"}
      decoding="async"
      className={cn("h-auto w-full bg-muted object-cover", className)}
    />
  );
}
