//! The upload rules, on real files: formats, limits, widths, and no metadata surviving.

use carneau_testkit::images;

use super::processing::{
    prepare, readable_size, widths_for, ImageRejection, MAX_IMAGE_SIDE_PIXELS,
};

const TEN_MIB: u64 = 10 * 1024 * 1024;

fn is_jpeg(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0xFF, 0xD8, 0xFF])
}

#[test]
fn a_png_is_stored_as_jpegs_at_the_page_widths() {
    let prepared = prepare(&images::png(2000, 1000), TEN_MIB).unwrap();
    assert_eq!((prepared.width, prepared.height), (2000, 1000));
    assert_eq!(prepared.widths(), [480, 960, 1600]);
    for (width, jpeg) in &prepared.renditions {
        assert!(is_jpeg(jpeg));
        let decoded = image::load_from_memory(jpeg).unwrap();
        assert_eq!((decoded.width(), decoded.height()), (*width, *width / 2));
    }
    assert_eq!(prepared.content_hash.len(), 64);
}

#[test]
fn a_small_image_is_never_upscaled() {
    assert_eq!(widths_for(700), [480, 700]);
    assert_eq!(widths_for(300), [300]);
    assert_eq!(widths_for(1600), [480, 960, 1600]);
    assert_eq!(widths_for(5000), [480, 960, 1600]);
    let prepared = prepare(&images::jpeg(300, 200), TEN_MIB).unwrap();
    assert_eq!(prepared.widths(), [300]);
}

#[test]
fn jpeg_and_webp_are_taken_too() {
    assert!(prepare(&images::jpeg(640, 480), TEN_MIB).is_ok());
    assert!(prepare(&images::webp(640, 480), TEN_MIB).is_ok());
}

#[test]
fn exif_does_not_survive_the_reencoding() {
    let upload = images::jpeg_with_exif(800, 600, "GPS 48.8566N 2.3522E Canon EOS");
    assert!(images::contains(&upload, images::EXIF_MARKER));
    // The upload really is a JPEG the decoder reads, EXIF and all.
    assert!(image::load_from_memory(&upload).is_ok());
    let prepared = prepare(&upload, TEN_MIB).unwrap();
    for (_, jpeg) in &prepared.renditions {
        assert!(!images::contains(jpeg, images::EXIF_MARKER));
        assert!(!images::contains(jpeg, b"Canon EOS"));
    }
}

#[test]
fn a_png_text_chunk_does_not_survive_the_reencoding() {
    let upload = images::png_with_text(800, 600, "secret-location-42");
    assert!(images::contains(&upload, b"tEXt"));
    assert!(image::load_from_memory(&upload).is_ok());
    let prepared = prepare(&upload, TEN_MIB).unwrap();
    for (_, jpeg) in &prepared.renditions {
        assert!(!images::contains(jpeg, b"secret-location-42"));
    }
}

#[test]
fn a_file_over_the_size_limit_is_refused_before_decoding() {
    let upload = images::png(600, 400);
    let limit = u64::try_from(upload.len()).unwrap() - 1;
    assert!(matches!(
        prepare(&upload, limit),
        Err(ImageRejection::TooLarge { .. })
    ));
}

#[test]
fn sizes_read_as_a_person_says_them() {
    assert_eq!(readable_size(800), "800 bytes");
    assert_eq!(readable_size(1024), "1 KiB");
    assert_eq!(readable_size(200_000), "195.3 KiB");
    assert_eq!(readable_size(512 * 1024), "512 KiB");
    assert_eq!(readable_size(1024 * 1024 - 1), "1 MiB");
    assert_eq!(readable_size(1024 * 1024), "1 MiB");
    assert_eq!(readable_size(1536 * 1024), "1.5 MiB");
    assert_eq!(readable_size(TEN_MIB), "10 MiB");
}

#[test]
fn a_limit_under_a_mib_is_not_called_zero() {
    let over = ImageRejection::TooLarge {
        size_bytes: Some(300_000),
        max_bytes: 200_000,
    };
    assert_eq!(
        over.to_string(),
        "The file is 293 KiB; an image may be at most 195.3 KiB."
    );
    let far_over = ImageRejection::TooLarge {
        size_bytes: None,
        max_bytes: 200_000,
    };
    assert_eq!(
        far_over.to_string(),
        "The file is too large; an image may be at most 195.3 KiB."
    );
}

#[test]
fn gif_svg_and_text_are_not_images_we_take() {
    for upload in [
        images::gif(),
        images::svg(),
        b"just some text".to_vec(),
        Vec::new(),
    ] {
        assert_eq!(
            prepare(&upload, TEN_MIB).unwrap_err(),
            ImageRejection::UnsupportedFormat
        );
    }
}

#[test]
fn a_truncated_file_is_unreadable() {
    let whole = images::jpeg(800, 600);
    let truncated = &whole[..whole.len() / 3];
    assert_eq!(
        prepare(truncated, TEN_MIB).unwrap_err(),
        ImageRejection::Undecodable
    );
}

#[test]
fn a_decompression_bomb_is_refused_from_its_header() {
    let bomb = images::png_claiming(100_000, 100_000);
    assert!(bomb.len() < 200);
    assert_eq!(
        prepare(&bomb, TEN_MIB).unwrap_err(),
        ImageRejection::TooManyPixels {
            width: 100_000,
            height: 100_000
        }
    );
    let too_wide = images::png_claiming(MAX_IMAGE_SIDE_PIXELS + 1, 10);
    assert!(matches!(
        prepare(&too_wide, TEN_MIB),
        Err(ImageRejection::TooManyPixels { .. })
    ));
    // Within each side, but more pixels in all than allowed.
    let too_many = images::png_claiming(7_000, 7_000);
    assert!(matches!(
        prepare(&too_many, TEN_MIB),
        Err(ImageRejection::TooManyPixels { .. })
    ));
}

#[test]
fn transparency_is_flattened_on_white() {
    let mut transparent = image::RgbaImage::new(100, 100);
    for pixel in transparent.pixels_mut() {
        *pixel = image::Rgba([0, 0, 0, 0]);
    }
    let mut png = std::io::Cursor::new(Vec::new());
    transparent
        .write_to(&mut png, image::ImageFormat::Png)
        .unwrap();
    let prepared = prepare(&png.into_inner(), TEN_MIB).unwrap();
    let decoded = image::load_from_memory(&prepared.renditions[0].1)
        .unwrap()
        .to_rgb8();
    assert!(decoded
        .get_pixel(50, 50)
        .0
        .iter()
        .all(|channel| *channel > 245));
}
