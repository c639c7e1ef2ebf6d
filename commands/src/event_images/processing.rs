//! Turning an uploaded file into the images the pages show: sniff the format from the
//! bytes, decode under limits, and re-encode to a few widths as JPEG. Nothing of the
//! upload but its pixels survives: EXIF, ICC profiles, text chunks, scripts hidden in a
//! polyglot file are all left behind by the decode.

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::imageops::FilterType;
use image::{DynamicImage, ImageFormat, ImageReader, Limits, RgbImage, Rgba};
use sha2::{Digest, Sha256};

/// The widths, in pixels, the pages ask for: a card on a phone, a card or the event page
/// on a laptop, the poster on a wide screen.
pub const IMAGE_WIDTHS: [u32; 3] = [480, 960, 1600];

/// Largest width or height of an upload, in pixels.
pub const MAX_IMAGE_SIDE_PIXELS: u32 = 8_000;

/// Most pixels an upload may have (a little under 8000 x 5000): a file of a few kilobytes
/// can declare a huge canvas, and decoding it would take gigabytes.
pub const MAX_IMAGE_PIXELS: u64 = 40_000_000;

/// The most memory the decoder may allocate: four bytes a pixel for the largest image
/// allowed, plus room for the decoder's own buffers.
const MAX_DECODE_ALLOC_BYTES: u64 = MAX_IMAGE_PIXELS * 4 + 64 * 1024 * 1024;

/// JPEG quality of the stored images: indistinguishable from the original at these sizes.
const JPEG_QUALITY: u8 = 85;

/// The type of every stored image.
pub const STORED_CONTENT_TYPE: &str = "image/jpeg";

/// Why an upload is not an image we take, in a sentence the organiser can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImageRejection {
    /// More bytes than the configured limit.
    #[error("{}", too_large_message(.size_bytes, .max_bytes))]
    TooLarge {
        /// The upload's size in bytes, when known (a body cut off far past the limit is
        /// not read to its end).
        size_bytes: Option<u64>,
        /// The limit in bytes.
        max_bytes: u64,
    },
    /// Not JPEG, PNG or WebP (judged from the bytes, not the name).
    #[error("The file is not a JPEG, PNG or WebP image.")]
    UnsupportedFormat,
    /// Says it is an image but cannot be decoded (truncated, corrupt).
    #[error("The image could not be read; the file may be damaged or incomplete.")]
    Undecodable,
    /// Wider or taller than [`MAX_IMAGE_SIDE_PIXELS`], or more than [`MAX_IMAGE_PIXELS`].
    #[error(
        "The image is {width} x {height} pixels; it may be at most {MAX_IMAGE_SIDE_PIXELS} \
         pixels on each side and 40 megapixels in all."
    )]
    TooManyPixels {
        /// Its width.
        width: u32,
        /// Its height.
        height: u32,
    },
}

fn too_large_message(size_bytes: &Option<u64>, max_bytes: &u64) -> String {
    let max = readable_size(*max_bytes);
    match size_bytes {
        Some(size) => format!(
            "The file is {}; an image may be at most {max}.",
            readable_size(*size)
        ),
        None => format!("The file is too large; an image may be at most {max}."),
    }
}

/// A size as a person says it: bytes below a KiB, KiB below a MiB, MiB above, with one
/// decimal only when it is not zero (`800 bytes`, `195.3 KiB`, `10 MiB`, `1.5 MiB`).
pub fn readable_size(bytes: u64) -> String {
    const KIB: f64 = 1024.0;
    if bytes < 1024 {
        return format!("{bytes} bytes");
    }
    let kib = bytes as f64 / KIB;
    // 1023.96 KiB would read "1024 KiB": that is a MiB.
    if (kib * 10.0).round() / 10.0 < KIB {
        format!("{} KiB", one_decimal(kib))
    } else {
        format!("{} MiB", one_decimal(kib / KIB))
    }
}

/// `value` with one decimal, without a trailing `.0`.
fn one_decimal(value: f64) -> String {
    let text = format!("{value:.1}");
    match text.strip_suffix(".0") {
        Some(whole) => whole.to_owned(),
        None => text,
    }
}

impl ImageRejection {
    /// A stable kebab-case slug per reason, used by the API as its problem type.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::TooLarge { .. } => "image-too-large",
            Self::UnsupportedFormat => "image-format-unsupported",
            Self::Undecodable => "image-unreadable",
            Self::TooManyPixels { .. } => "image-too-many-pixels",
        }
    }
}

/// An upload decoded and re-encoded.
#[derive(Clone)]
pub struct PreparedImage {
    /// SHA-256 of the uploaded bytes, lowercase hex.
    pub content_hash: String,
    /// Width of the original.
    pub width: u32,
    /// Height of the original.
    pub height: u32,
    /// `(width, JPEG bytes)` for each stored width, ascending.
    pub renditions: Vec<(u32, Vec<u8>)>,
}

/// Sizes rather than bytes: a failing test or a log line must not print megabytes.
impl std::fmt::Debug for PreparedImage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PreparedImage")
            .field("content_hash", &self.content_hash)
            .field("width", &self.width)
            .field("height", &self.height)
            .field(
                "renditions",
                &self
                    .renditions
                    .iter()
                    .map(|(width, jpeg)| (*width, jpeg.len()))
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl PreparedImage {
    /// The stored widths.
    pub fn widths(&self) -> Vec<u32> {
        self.renditions.iter().map(|(width, _)| *width).collect()
    }
}

/// The widths an image `original_width` wide is stored at: each of [`IMAGE_WIDTHS`]
/// narrower than it, and its own width when that is below the largest (never upscaled).
pub fn widths_for(original_width: u32) -> Vec<u32> {
    let mut widths: Vec<u32> = IMAGE_WIDTHS
        .iter()
        .copied()
        .filter(|width| *width < original_width)
        .collect();
    if original_width <= IMAGE_WIDTHS[IMAGE_WIDTHS.len() - 1] {
        widths.push(original_width);
    }
    widths
}

/// Checks, decodes and re-encodes `bytes`. CPU-bound: run it off the async runtime.
pub fn prepare(bytes: &[u8], max_bytes: u64) -> Result<PreparedImage, ImageRejection> {
    let size = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    if size > max_bytes {
        return Err(ImageRejection::TooLarge {
            size_bytes: Some(size),
            max_bytes,
        });
    }
    let format = image::guess_format(bytes).map_err(|_| ImageRejection::UnsupportedFormat)?;
    if !matches!(
        format,
        ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP
    ) {
        return Err(ImageRejection::UnsupportedFormat);
    }
    // The header alone first: a bomb is refused with its declared size, before any
    // pixel buffer exists.
    let (width, height) = ImageReader::with_format(Cursor::new(bytes), format)
        .into_dimensions()
        .map_err(|error| rejection_of(&error, None))?;
    if width > MAX_IMAGE_SIDE_PIXELS
        || height > MAX_IMAGE_SIDE_PIXELS
        || u64::from(width) * u64::from(height) > MAX_IMAGE_PIXELS
    {
        return Err(ImageRejection::TooManyPixels { width, height });
    }
    // The JPEG decoder fills a cut-off file's missing rows with grey rather than fail:
    // a file without its end-of-image marker was cut off in transfer.
    if format == ImageFormat::Jpeg && !has_jpeg_end(bytes) {
        return Err(ImageRejection::Undecodable);
    }
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_IMAGE_SIDE_PIXELS);
    limits.max_image_height = Some(MAX_IMAGE_SIDE_PIXELS);
    limits.max_alloc = Some(MAX_DECODE_ALLOC_BYTES);
    reader.limits(limits);
    let decoded = reader
        .decode()
        .map_err(|error| rejection_of(&error, Some((width, height))))?;
    // Widest first, each resized from the one before: a fraction of the work of
    // resizing the original every time, at no visible cost.
    let mut current = flatten_on_white(&decoded);
    let mut renditions = Vec::new();
    for target in widths_for(width).into_iter().rev() {
        if target != current.width() {
            let target_height = scaled_height(width, height, target);
            current =
                image::imageops::resize(&current, target, target_height, FilterType::CatmullRom);
        }
        renditions.push((target, encode_jpeg(&current)?));
    }
    renditions.reverse();
    Ok(PreparedImage {
        content_hash: hex::encode(Sha256::digest(bytes)),
        width,
        height,
        renditions,
    })
}

/// Whether a JPEG has its end-of-image marker (FF D9) after its last start-of-scan
/// (FF DA); trailing bytes some cameras append after it are allowed. Inside the scan
/// data an FF byte is always followed by 00 or a restart marker, so the pair does not
/// occur by chance.
fn has_jpeg_end(bytes: &[u8]) -> bool {
    let last_scan = bytes.windows(2).rposition(|pair| pair == [0xFF, 0xDA]);
    let last_end = bytes.windows(2).rposition(|pair| pair == [0xFF, 0xD9]);
    matches!((last_scan, last_end), (Some(scan), Some(end)) if end > scan)
}

/// The height that keeps the aspect ratio at `target` width (at least one pixel).
fn scaled_height(width: u32, height: u32, target: u32) -> u32 {
    let scaled = u64::from(height) * u64::from(target) / u64::from(width.max(1));
    u32::try_from(scaled).unwrap_or(u32::MAX).max(1)
}

/// The image on a white background: JPEG has no transparency, and a transparent logo on
/// black would be unreadable.
fn flatten_on_white(decoded: &DynamicImage) -> RgbImage {
    let rgba = decoded.to_rgba8();
    let mut flat = RgbImage::new(rgba.width(), rgba.height());
    for (x, y, Rgba([r, g, b, a])) in rgba.enumerate_pixels() {
        let blend = |channel: u8| {
            let alpha = u16::from(*a);
            let value = (u16::from(channel) * alpha + 255 * (255 - alpha)) / 255;
            u8::try_from(value).unwrap_or(u8::MAX)
        };
        flat.put_pixel(x, y, image::Rgb([blend(*r), blend(*g), blend(*b)]));
    }
    flat
}

fn encode_jpeg(image: &RgbImage) -> Result<Vec<u8>, ImageRejection> {
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY)
        .encode_image(image)
        // Encoding pixels we decoded ourselves does not fail short of a bug; say the
        // image is unreadable rather than answer 500 for the organiser's file.
        .map_err(|_| ImageRejection::Undecodable)?;
    Ok(out)
}

/// Which rejection a decoder error means: its limits are the pixel rule, anything else an
/// unreadable file.
fn rejection_of(error: &image::ImageError, size: Option<(u32, u32)>) -> ImageRejection {
    match error {
        image::ImageError::Limits(_) => {
            let (width, height) = size.unwrap_or((0, 0));
            ImageRejection::TooManyPixels { width, height }
        }
        image::ImageError::Unsupported(_) => ImageRejection::UnsupportedFormat,
        _ => ImageRejection::Undecodable,
    }
}
