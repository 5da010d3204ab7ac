//! A visual check: a page's screenshot against an approved image in `tests/visual/`, with a
//! tolerance. Both are reduced to the mean brightness of 8×8-pixel blocks; the check fails when
//! more than [`TOLERANCE`] of the blocks differ by more than [`BLOCK_DIFFERENCE`] levels. That
//! lets a date or a time in the text change from one day to the next, and catches what moves,
//! vanishes or changes colour: the layout, the controls, the theme.
//!
//! To approve new images (after looking at them): `CONSULT_APPROVE_SCREENSHOTS=1` writes each
//! screenshot over its approved image. A failing check leaves the screenshot it took beside the
//! build (`$CARGO_TARGET_DIR/visual/NAME.png`) and says where.

use std::path::PathBuf;

/// Block edge in pixels.
const BLOCK: usize = 8;
/// Brightness difference (0–255) from which a block counts as changed.
const BLOCK_DIFFERENCE: u32 = 40;
/// Share of the blocks that may change.
pub const TOLERANCE: f64 = 0.03;

/// Mean brightness per block, and the grid's width and height in blocks.
fn blocks(png_bytes: &[u8]) -> (usize, usize, Vec<u8>) {
    let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    let mut reader = decoder.read_info().expect("a PNG");
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).expect("a PNG frame");
    let channels = info.color_type.samples();
    assert_eq!(info.bit_depth, png::BitDepth::Eight, "8-bit screenshots");
    let (w, h) = (info.width as usize, info.height as usize);
    let (bw, bh) = (w / BLOCK, h / BLOCK);
    let mut out = vec![0u8; bw * bh];
    for by in 0..bh {
        for bx in 0..bw {
            let mut sum = 0u32;
            for y in by * BLOCK..(by + 1) * BLOCK {
                for x in bx * BLOCK..(bx + 1) * BLOCK {
                    let i = (y * w + x) * channels;
                    let (r, g, b) = if channels >= 3 {
                        (buf[i] as u32, buf[i + 1] as u32, buf[i + 2] as u32)
                    } else {
                        (buf[i] as u32, buf[i] as u32, buf[i] as u32)
                    };
                    sum += (299 * r + 587 * g + 114 * b) / 1000;
                }
            }
            out[by * bw + bx] = (sum / (BLOCK * BLOCK) as u32) as u8;
        }
    }
    (bw, bh, out)
}

/// The share of blocks that differ (blocks one image has and the other lacks count).
pub fn difference(a: &[u8], b: &[u8]) -> f64 {
    let (aw, ah, av) = blocks(a);
    let (bw, bh, bv) = blocks(b);
    let (w, h) = (aw.max(bw), ah.max(bh));
    let mut changed = 0usize;
    for y in 0..h {
        for x in 0..w {
            let pa = (x < aw && y < ah).then(|| av[y * aw + x]);
            let pb = (x < bw && y < bh).then(|| bv[y * bw + x]);
            let differs = match (pa, pb) {
                (Some(p), Some(q)) => (p as i32 - q as i32).unsigned_abs() > BLOCK_DIFFERENCE,
                _ => true,
            };
            changed += differs as usize;
        }
    }
    changed as f64 / (w * h).max(1) as f64
}

fn approved_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/visual")
        .join(format!("{name}.png"))
}

/// Compare `screenshot` (PNG) with the approved image `name`; panics past the tolerance.
pub fn check(name: &str, screenshot: &[u8]) {
    let approved = approved_path(name);
    if std::env::var_os("CONSULT_APPROVE_SCREENSHOTS").is_some() {
        std::fs::create_dir_all(approved.parent().unwrap()).unwrap();
        std::fs::write(&approved, screenshot).unwrap();
        return;
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"))
        .join("visual");
    std::fs::create_dir_all(&target).unwrap();
    let taken = target.join(format!("{name}.png"));
    std::fs::write(&taken, screenshot).unwrap();
    let Ok(expected) = std::fs::read(&approved) else {
        panic!(
            "no approved image {}: look at {} and approve it (CONSULT_APPROVE_SCREENSHOTS=1)",
            approved.display(),
            taken.display()
        );
    };
    let share = difference(&expected, screenshot);
    assert!(
        share <= TOLERANCE,
        "{name}: {:.1} % of the page differs from {} (tolerance {:.0} %): see {}",
        share * 100.0,
        approved.display(),
        TOLERANCE * 100.0,
        taken.display()
    );
}
