//! A minimal PNG writer for the bitmap backend's RGB buffer (8-bit truecolour, no interlace, filter 0), deflated
//! with flate2, so no image crate is needed.

use flate2::write::ZlibEncoder;
use flate2::{Compression, Crc};
use std::io::Write;

/// Encodes `rgb` (`width × height × 3` bytes, rows top to bottom) as a PNG file.
pub fn encode_rgb(width: u32, height: u32, rgb: &[u8]) -> std::io::Result<Vec<u8>> {
    let row = width as usize * 3;
    let mut z = ZlibEncoder::new(Vec::with_capacity(rgb.len() / 8), Compression::default());
    for line in rgb.chunks(row).take(height as usize) {
        z.write_all(&[0])?; // filter type 0: none
        z.write_all(line)?;
    }
    let idat = z.finish()?;
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::with_capacity(13);
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]); // 8 bits, truecolour, deflate, filter 0, no interlace
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"IDAT", &idat);
    chunk(&mut out, b"IEND", &[]);
    Ok(out)
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let mut crc = Crc::new();
    crc.update(kind);
    crc.update(data);
    out.extend_from_slice(&crc.sum().to_be_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_one_pixel_image_has_the_known_chunk_crcs() {
        let png = encode_rgb(1, 1, &[255, 0, 0]).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        // IHDR of a 1×1 8-bit RGB image: CRC 0x907753DE (as written by every PNG encoder); IEND: 0xAE426082.
        assert_eq!(&png[12..16], b"IHDR");
        assert_eq!(&png[29..33], &[0x90, 0x77, 0x53, 0xDE]);
        assert_eq!(&png[png.len() - 4..], &[0xAE, 0x42, 0x60, 0x82]);
    }
}
