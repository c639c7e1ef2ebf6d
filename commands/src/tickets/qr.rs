//! QR images of ticket codes, as SVG (crisp at any size, for screens) and PNG (for mail
//! clients that do not show SVG).
//!
//! The matrix comes from `qrcodegen` with one fixed mask. The tickets email renders one
//! code per ticket while a sale goes on, and choosing the mask is most of an encoder's
//! work: eight full penalty scorings, which took about a tenth of the server's CPU in a
//! paying rush with the `qrcode` crate and 5 % of the machine with `fast_qr`, which scores
//! all eight even when told the mask (docs/benchmarks.md, "The tickets email's QR codes").
//! The scoring steers a matrix away from long runs, blocks and finder-like patterns that
//! structured data (repeated characters) would draw; a ticket code is an event id, a
//! ticket id and an ed25519 signature, so its modules (and the error correction computed
//! from them) are as good as random under every mask, and a scanner reads the mask from
//! the format bits whichever it is. Drawing is ours: dark modules on white, with the
//! standard four-module quiet zone.

use std::fmt::Write as _;

use carneau_domain::ticket_code::TicketCode;
use qrcodegen::{Mask, QrCode, QrCodeEcc, QrSegment, Version};

/// The smallest side of a rendered code, in pixels; scanners read it easily on a phone.
pub const QR_MIN_SIDE_PX: u32 = 256;

/// The light margin around a code, in modules, that the QR specification asks for.
const QUIET_ZONE_MODULES: u32 = 4;

/// Why a code could not be rendered (it cannot happen for a code of the current size;
/// it is an error rather than a panic in case the format grows).
#[derive(Debug, thiserror::Error)]
#[error("cannot render the QR code: {0}")]
pub struct QrError(String);

/// The one mask every code is drawn with (see the module's doc): of the eight, the one
/// whose matrices of random ticket codes score lowest under the standard's penalty rules,
/// 6 % above the best of eight chosen code by code (docs/benchmarks.md, "The tickets
/// email's QR codes").
pub const TICKET_QR_MASK: u8 = 2;

/// Medium error correction: survives a scuffed print or a cracked phone screen (15%)
/// at a size that still scans from a phone at arm's length.
fn qr_of(code: &TicketCode) -> Result<QrMatrix, QrError> {
    let segments = QrSegment::make_segments(code.as_str());
    let qr = QrCode::encode_segments_advanced(
        &segments,
        QrCodeEcc::Medium,
        Version::MIN,
        Version::MAX,
        Some(Mask::new(TICKET_QR_MASK)),
        false,
    )
    .map_err(|error| QrError(error.to_string()))?;
    Ok(QrMatrix(qr))
}

/// A code's modules with the quiet zone around them, and the pixels per module that
/// make it at least [`QR_MIN_SIDE_PX`] wide.
struct QrMatrix(QrCode);

impl QrMatrix {
    /// Modules on a side, quiet zone included.
    fn side_modules(&self) -> u32 {
        u32::try_from(self.0.size()).unwrap_or(u32::MAX / 2) + 2 * QUIET_ZONE_MODULES
    }

    /// Pixels per module: the smallest whole number reaching the minimum side.
    fn scale(&self) -> u32 {
        QR_MIN_SIDE_PX.div_ceil(self.side_modules()).max(1)
    }

    /// Whether the module at (`x`, `y`), quiet zone included, is dark.
    fn is_dark(&self, x: u32, y: u32) -> bool {
        let (Some(column), Some(row)) = (
            x.checked_sub(QUIET_ZONE_MODULES),
            y.checked_sub(QUIET_ZONE_MODULES),
        ) else {
            return false;
        };
        // Outside the matrix (the far quiet zone) `get_module` answers light.
        let (Ok(column), Ok(row)) = (i32::try_from(column), i32::try_from(row)) else {
            return false;
        };
        self.0.get_module(column, row)
    }
}

/// The code as an SVG document.
pub fn qr_svg(code: &TicketCode) -> Result<String, QrError> {
    let matrix = qr_of(code)?;
    let modules = matrix.side_modules();
    let side = modules * matrix.scale();
    // One path of unit squares in module coordinates, scaled by the view box.
    let mut path = String::new();
    for y in 0..modules {
        for x in 0..modules {
            if matrix.is_dark(x, y) {
                let _ = write!(path, "M{x} {y}h1v1h-1z");
            }
        }
    }
    Ok(format!(
        "<?xml version=\"1.0\" standalone=\"yes\"?>\
         <svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"{side}\" \
         height=\"{side}\" viewBox=\"0 0 {modules} {modules}\" shape-rendering=\"crispEdges\">\
         <rect width=\"{modules}\" height=\"{modules}\" fill=\"#fff\"/>\
         <path fill=\"#000\" d=\"{path}\"/></svg>"
    ))
}

/// The code as a black-and-white PNG: one bit per pixel, each row of modules drawn once
/// and repeated `scale` times, each repeat filtered against the row above ("Up", all
/// zeros) so that compressing it costs next to nothing. Drawn pixel by pixel in 8-bit
/// grey, each code was eight times the pixels to filter and compress (docs/benchmarks.md,
/// "The log's readers and the tickets email"); with each pixel's bit set on its own and
/// every row tried under the five filters, drawing and filtering were nearly three
/// quarters of what a code cost beside its encoding ("The tickets email's pixels").
pub fn qr_png(code: &TicketCode) -> Result<Vec<u8>, QrError> {
    let matrix = qr_of(code)?;
    let scale = matrix.scale();
    let modules = matrix.side_modules();
    let side = modules * scale;
    let row_bytes = side.div_ceil(8) as usize;
    let mut pixels = Vec::with_capacity(row_bytes * side as usize);
    let mut row = Vec::with_capacity(row_bytes);
    for y in 0..modules {
        draw_row(&matrix, y, scale, &mut row);
        for _ in 0..scale {
            pixels.extend_from_slice(&row);
        }
    }
    let mut png = Vec::new();
    let mut encoder = png::Encoder::new(&mut png, side, side);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::One);
    // The "Up" filter and the fastest deflate: a ticket's code is 23 bytes larger than
    // with every filter tried row by row (2,144 against 2,121 on average).
    encoder.set_compression(png::Compression::Fastest);
    let mut writer = encoder
        .write_header()
        .map_err(|error| QrError(error.to_string()))?;
    writer
        .write_image_data(&pixels)
        .map_err(|error| QrError(error.to_string()))?;
    writer
        .finish()
        .map_err(|error| QrError(error.to_string()))?;
    Ok(png)
}

/// Replaces `row` with module row `y` as 1-bit pixels, `scale` per module, 1 for white,
/// padded with 0 to whole bytes: each module's bits are shifted in at once and whole
/// bytes written as they fill, rather than every pixel's bit set on its own.
fn draw_row(matrix: &QrMatrix, y: u32, scale: u32, row: &mut Vec<u8>) {
    row.clear();
    // Bits not yet written, the earliest highest; fewer than 8 between modules.
    let mut bits: u32 = 0;
    let mut pending: u32 = 0;
    for x in 0..matrix.side_modules() {
        let light = !matrix.is_dark(x, y);
        let mut left = scale;
        while left > 0 {
            let take = left.min(8);
            let ones = if light { (1 << take) - 1 } else { 0 };
            bits = (bits << take) | ones;
            pending += take;
            left -= take;
            while pending >= 8 {
                pending -= 8;
                row.push(((bits >> pending) & 0xff) as u8);
            }
            bits &= (1 << pending) - 1;
        }
    }
    if pending > 0 {
        row.push(((bits << (8 - pending)) & 0xff) as u8);
    }
}
