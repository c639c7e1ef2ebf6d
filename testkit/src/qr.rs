//! Reading tickets as a scanner app and a mail client would: the QR code in a PNG, and
//! the PNG attachments of a formatted message.

use base64::Engine as _;

/// The text of the one QR code in `png`. Panics (a test failure) if there is not
/// exactly one readable code.
pub fn decode_png(png: &[u8]) -> String {
    let image = image::load_from_memory(png)
        .expect("a PNG image")
        .to_luma8();
    let (width, height) = image.dimensions();
    let mut prepared =
        rqrr::PreparedImage::prepare_from_greyscale(width as usize, height as usize, |x, y| {
            image.get_pixel(x as u32, y as u32).0[0]
        });
    let grids = prepared.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code in the image");
    grids[0].decode().expect("a readable QR code").1
}

/// The `image/png` attachments of a formatted (MIME) message, decoded.
pub fn png_attachments(message: &str) -> Vec<Vec<u8>> {
    message
        .split("\r\n--")
        .skip(1)
        .filter(|part| part.contains("Content-Type: image/png"))
        .filter_map(|part| part.split_once("\r\n\r\n").map(|(_, body)| body))
        .map(|body| {
            let encoded: String = body.split_whitespace().collect();
            base64::engine::general_purpose::STANDARD
                .decode(encoded)
                .expect("base64 attachment")
        })
        .collect()
}
