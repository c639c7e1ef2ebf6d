//! Image files for tests of uploads: real encodings from the `image` crate, plus files
//! carrying metadata (EXIF, a PNG text chunk) and files that only pretend to be images.

use std::io::Cursor;

use image::{ImageFormat, Rgba, RgbaImage};

/// A `width` x `height` picture: a diagonal gradient, half transparent on the right.
pub fn picture(width: u32, height: u32) -> RgbaImage {
    RgbaImage::from_fn(width, height, |x, y| {
        let alpha = if x > width / 2 { 128 } else { 255 };
        Rgba([
            u8::try_from(x * 255 / width.max(1)).unwrap_or(255),
            u8::try_from(y * 255 / height.max(1)).unwrap_or(255),
            90,
            alpha,
        ])
    })
}

fn encode(width: u32, height: u32, format: ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    let picture = picture(width, height);
    if format == ImageFormat::Jpeg {
        image::DynamicImage::ImageRgba8(picture)
            .to_rgb8()
            .write_to(&mut out, format)
            .expect("encoding a test JPEG");
    } else {
        picture
            .write_to(&mut out, format)
            .expect("encoding a test image");
    }
    out.into_inner()
}

/// A PNG.
pub fn png(width: u32, height: u32) -> Vec<u8> {
    encode(width, height, ImageFormat::Png)
}

/// A JPEG.
pub fn jpeg(width: u32, height: u32) -> Vec<u8> {
    encode(width, height, ImageFormat::Jpeg)
}

/// A WebP (lossless, the encoder the `image` crate has).
pub fn webp(width: u32, height: u32) -> Vec<u8> {
    encode(width, height, ImageFormat::WebP)
}

/// The marker every EXIF block starts with, inside a JPEG APP1 segment.
pub const EXIF_MARKER: &[u8] = b"Exif\0\0";

/// A JPEG with an EXIF block (APP1) right after its start marker, naming a camera and a
/// GPS-like note: what an upload must not leak.
pub fn jpeg_with_exif(width: u32, height: u32, note: &str) -> Vec<u8> {
    let plain = jpeg(width, height);
    let mut payload = EXIF_MARKER.to_vec();
    // A minimal TIFF header (little endian, no IFD entries) followed by the note.
    payload.extend_from_slice(b"II*\0\x08\0\0\0\0\0");
    payload.extend_from_slice(note.as_bytes());
    let length = u16::try_from(payload.len() + 2).expect("a short EXIF block");
    let mut out = plain[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&length.to_be_bytes());
    out.extend_from_slice(&payload);
    out.extend_from_slice(&plain[2..]);
    out
}

/// A PNG with a `tEXt` chunk (`Comment` = `text`) right after its header chunk.
pub fn png_with_text(width: u32, height: u32, text: &str) -> Vec<u8> {
    let plain = png(width, height);
    // Signature (8) + IHDR chunk (4 length + 4 type + 13 data + 4 CRC).
    let after_header = 8 + 25;
    let mut data = b"Comment\0".to_vec();
    data.extend_from_slice(text.as_bytes());
    let mut out = plain[..after_header].to_vec();
    out.extend_from_slice(&png_chunk(b"tEXt", &data));
    out.extend_from_slice(&plain[after_header..]);
    out
}

/// A PNG that declares `width` x `height` pixels and holds almost no data: a
/// decompression bomb's header.
pub fn png_claiming(width: u32, height: u32) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut header = Vec::new();
    header.extend_from_slice(&width.to_be_bytes());
    header.extend_from_slice(&height.to_be_bytes());
    header.extend_from_slice(&[8, 6, 0, 0, 0]);
    out.extend_from_slice(&png_chunk(b"IHDR", &header));
    out.extend_from_slice(&png_chunk(
        b"IDAT",
        &[0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
    ));
    out.extend_from_slice(&png_chunk(b"IEND", &[]));
    out
}

/// A GIF (a format we do not take).
pub fn gif() -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    picture(4, 4)
        .write_to(&mut out, ImageFormat::Gif)
        .map(|()| out.into_inner())
        // The gif feature may be off: a GIF header and a tiny logical screen are enough
        // to be recognised as one.
        .unwrap_or_else(|_| b"GIF89a\x04\x00\x04\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00,\x00\x00\x00\x00\x04\x00\x04\x00\x00\x02\x04\x84\x8f\x09\x05\x00;".to_vec())
}

/// An SVG with a script: active content that must never be served as an image.
pub fn svg() -> Vec<u8> {
    br#"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>"#.to_vec()
}

fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut out = u32::try_from(data.len())
        .expect("a short chunk")
        .to_be_bytes()
        .to_vec();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let mut checked = kind.to_vec();
    checked.extend_from_slice(data);
    out.extend_from_slice(&crc32(&checked).to_be_bytes());
    out
}

/// The CRC-32 PNG chunks carry (ISO 3309), bit by bit: test files are tiny.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for byte in bytes {
        crc ^= u32::from(*byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// Whether `needle` occurs anywhere in `haystack`.
pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}
