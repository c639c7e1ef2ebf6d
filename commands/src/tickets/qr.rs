//! QR images of ticket codes, as SVG (crisp at any size, for screens) and PNG (for mail
//! clients that do not show SVG).

use std::io::Cursor;

use carneau_domain::ticket_code::TicketCode;
use image::{ImageFormat, Luma};
use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};

/// The smallest side of a rendered code, in pixels; scanners read it easily on a phone.
pub const QR_MIN_SIDE_PX: u32 = 256;

/// Why a code could not be rendered (it cannot happen for a code of the current size;
/// it is an error rather than a panic in case the format grows).
#[derive(Debug, thiserror::Error)]
#[error("cannot render the QR code: {0}")]
pub struct QrError(String);

/// Medium error correction: survives a scuffed print or a cracked phone screen (15%)
/// at a size that still scans from a phone at arm's length.
fn qr_of(code: &TicketCode) -> Result<QrCode, QrError> {
    QrCode::with_error_correction_level(code.as_str(), EcLevel::M)
        .map_err(|error| QrError(error.to_string()))
}

/// The code as an SVG document.
pub fn qr_svg(code: &TicketCode) -> Result<String, QrError> {
    Ok(qr_of(code)?
        .render::<svg::Color>()
        .min_dimensions(QR_MIN_SIDE_PX, QR_MIN_SIDE_PX)
        .quiet_zone(true)
        .build())
}

/// The code as a greyscale PNG.
pub fn qr_png(code: &TicketCode) -> Result<Vec<u8>, QrError> {
    let image = qr_of(code)?
        .render::<Luma<u8>>()
        .min_dimensions(QR_MIN_SIDE_PX, QR_MIN_SIDE_PX)
        .quiet_zone(true)
        .build();
    let mut png = Cursor::new(Vec::new());
    image
        .write_to(&mut png, ImageFormat::Png)
        .map_err(|error| QrError(error.to_string()))?;
    Ok(png.into_inner())
}
