//! `wirelab http --generate-demo-files DIR [--scale F]`: the scenario's
//! files, in real formats, with deterministic content.
//!
//! | file | size at scale 1 | format |
//! |---|---|---|
//! | `50MB.zip`, `100MB.zip`, `500MB.zip` | 50, 100, 500 × 10^6 bytes exactly | a zip archive with one stored (uncompressed) entry of pseudo-random bytes |
//! | `image-site.png` | 3 × 10^6 bytes exactly | an RGB PNG (zlib stored blocks), padded with a `tEXt` chunk |
//! | `task2.pdf` | 1 × 10^6 bytes exactly | a one-page PDF 1.4 with a text line and an unused filler stream |
//!
//! The zip is written by hand (local header, data, central directory, end
//! record; APPNOTE.TXT sections 4.3.7, 4.3.12, 4.3.16) with `crc32fast`:
//! a stored entry is four fixed structures, and writing them directly lets
//! the data be streamed to disk in 1 MiB blocks with its CRC patched in
//! afterwards. The pseudo-random bytes come from SplitMix64 seeded by the
//! file name, written by hand so the bytes (and their SHA-256) never change
//! with a library version. Each file is written to a hidden temporary name
//! in DIR and renamed into place, so a reader never sees half a file.

use std::io::{self, Seek, SeekFrom, Write};
use std::path::Path;

use flate2::write::ZlibEncoder;
use flate2::Compression;

/// One generated file: its name and size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoFile {
    /// File name inside the directory.
    pub name: String,
    /// Size in bytes.
    pub size: u64,
}

/// SplitMix64 (Steele, Lea, Flood 2014): fast, tiny, and stable forever.
struct SplitMix(u64);

impl SplitMix {
    fn seeded(name: &str) -> Self {
        // FNV-1a of the name as the seed.
        let mut h = 0xcbf2_9ce4_8422_2325u64;
        for b in name.bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
        }
        Self(h)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn fill(&mut self, buf: &mut [u8]) {
        for c in buf.chunks_mut(8) {
            let v = self.next().to_le_bytes();
            c.copy_from_slice(v.get(..c.len()).unwrap_or(&[]));
        }
    }
}

fn scaled(base: u64, scale: f64) -> u64 {
    let v = (base as f64 * scale).round();
    if v.is_finite() && v > 0.0 {
        v as u64
    } else {
        0
    }
}

/// Writes `name` atomically: `f` fills a temporary file, which is synced
/// and renamed into place.
fn atomic(
    dir: &Path,
    name: &str,
    f: impl FnOnce(&mut std::fs::File) -> io::Result<()>,
) -> io::Result<()> {
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let r = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        f(&mut file)?;
        file.sync_all()?;
        std::fs::rename(&tmp, dir.join(name))
    })();
    if r.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    r.map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", dir.join(name).display())))
}

const ZIP_FIXED: u64 = 30 + 46 + 22;

/// Writes a zip archive of exactly `total` bytes (at least 98 + 2·name)
/// holding one stored entry `entry` of pseudo-random bytes.
fn write_zip(w: &mut std::fs::File, entry: &str, total: u64, rng: &mut SplitMix) -> io::Result<()> {
    let name = entry.as_bytes();
    let overhead = ZIP_FIXED + 2 * name.len() as u64;
    let data_len = total.saturating_sub(overhead);
    let size32 = u32::try_from(data_len)
        .map_err(|_| io::Error::other("zip entry over 4 GiB needs zip64, not written"))?;
    let name_len = u16::try_from(name.len()).map_err(|_| io::Error::other("name too long"))?;
    // DOS time 12:00:00, date 2024-01-01: fixed, so the bytes are too.
    let (dos_time, dos_date) = (12u16 << 11, ((2024u16 - 1980) << 9) | (1 << 5) | 1);
    let local = |crc: u32| {
        let mut h = Vec::with_capacity(30 + name.len());
        h.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        h.extend_from_slice(&10u16.to_le_bytes()); // version needed: 1.0
        h.extend_from_slice(&0u16.to_le_bytes()); // flags
        h.extend_from_slice(&0u16.to_le_bytes()); // method: stored
        h.extend_from_slice(&dos_time.to_le_bytes());
        h.extend_from_slice(&dos_date.to_le_bytes());
        h.extend_from_slice(&crc.to_le_bytes());
        h.extend_from_slice(&size32.to_le_bytes());
        h.extend_from_slice(&size32.to_le_bytes());
        h.extend_from_slice(&name_len.to_le_bytes());
        h.extend_from_slice(&0u16.to_le_bytes()); // extra length
        h.extend_from_slice(name);
        h
    };
    let mut w = io::BufWriter::with_capacity(1 << 20, w);
    w.write_all(&local(0))?;
    let mut crc = crc32fast::Hasher::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut left = data_len;
    while left > 0 {
        let n = usize::try_from(left.min(buf.len() as u64)).unwrap_or(buf.len());
        let chunk = buf.get_mut(..n).unwrap_or_default();
        rng.fill(chunk);
        crc.update(chunk);
        w.write_all(chunk)?;
        left -= n as u64;
    }
    let crc = crc.finalize();
    let mut c = Vec::with_capacity(46 + name.len() + 22);
    c.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
    c.extend_from_slice(&0x031eu16.to_le_bytes()); // made by: Unix, 3.0
    c.extend_from_slice(&10u16.to_le_bytes());
    c.extend_from_slice(&0u16.to_le_bytes());
    c.extend_from_slice(&0u16.to_le_bytes());
    c.extend_from_slice(&dos_time.to_le_bytes());
    c.extend_from_slice(&dos_date.to_le_bytes());
    c.extend_from_slice(&crc.to_le_bytes());
    c.extend_from_slice(&size32.to_le_bytes());
    c.extend_from_slice(&size32.to_le_bytes());
    c.extend_from_slice(&name_len.to_le_bytes());
    c.extend_from_slice(&0u16.to_le_bytes()); // extra
    c.extend_from_slice(&0u16.to_le_bytes()); // comment
    c.extend_from_slice(&0u16.to_le_bytes()); // disk
    c.extend_from_slice(&0u16.to_le_bytes()); // internal attrs
    c.extend_from_slice(&(0o100644u32 << 16).to_le_bytes()); // external: -rw-r--r--
    c.extend_from_slice(&0u32.to_le_bytes()); // local header offset
    c.extend_from_slice(name);
    let cd_offset = u32::try_from(30 + name.len() as u64 + data_len)
        .map_err(|_| io::Error::other("zip over 4 GiB needs zip64"))?;
    let cd_size = u32::try_from(46 + name.len()).map_err(|_| io::Error::other("name too long"))?;
    c.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    c.extend_from_slice(&0u16.to_le_bytes()); // this disk
    c.extend_from_slice(&0u16.to_le_bytes()); // cd disk
    c.extend_from_slice(&1u16.to_le_bytes()); // entries here
    c.extend_from_slice(&1u16.to_le_bytes()); // entries total
    c.extend_from_slice(&cd_size.to_le_bytes());
    c.extend_from_slice(&cd_offset.to_le_bytes());
    c.extend_from_slice(&0u16.to_le_bytes()); // comment length
    w.write_all(&c)?;
    let w = w.into_inner().map_err(|e| e.into_error())?;
    // Patch the CRC into the local header.
    w.seek(SeekFrom::Start(14))?;
    w.write_all(&crc.to_le_bytes())?;
    w.seek(SeekFrom::End(0))?;
    Ok(())
}

fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let mut crc = crc32fast::Hasher::new();
    crc.update(kind);
    crc.update(data);
    out.extend_from_slice(&crc.finalize().to_be_bytes());
}

/// An RGB PNG of about `total` bytes (exactly, when `total` leaves room for
/// the padding chunk), a colour gradient with noise.
fn png(total: u64, rng: &mut SplitMix) -> io::Result<Vec<u8>> {
    const W: u32 = 256;
    let row = 1 + 3 * W as u64;
    // Stored deflate costs 5 bytes per 65535 and zlib 6; the fixed chunks
    // (signature, IHDR, IDAT and IEND framing, tEXt framing) about 90.
    let budget = total.saturating_sub(120);
    let h = (budget.saturating_sub(budget / 65_535 * 5) / row).clamp(1, 1 << 20) as u32;
    let mut raw = Vec::with_capacity((row * u64::from(h)) as usize);
    for y in 0..h {
        raw.push(0); // filter: none
        for x in 0..W {
            let n = rng.next();
            raw.push((x as u8).wrapping_add((n & 0x1f) as u8));
            raw.push((y as u8).wrapping_add((n >> 8 & 0x1f) as u8));
            raw.push(((x + y) as u8) ^ (n >> 16 & 0x1f) as u8);
        }
    }
    let mut z = ZlibEncoder::new(Vec::new(), Compression::none());
    z.write_all(&raw)?;
    let idat = z.finish()?;
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&W.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]); // 8-bit RGB, deflate, no filter, no interlace
    png_chunk(&mut out, b"IHDR", &ihdr);
    png_chunk(&mut out, b"IDAT", &idat);
    // Pad to the exact size with a tEXt chunk (keyword, NUL, Latin-1 text).
    let end = 12u64;
    let used = out.len() as u64 + end + 12 + 8;
    if total > used {
        let mut text = b"Comment\0".to_vec();
        text.resize(8 + (total - used) as usize, b'.');
        png_chunk(&mut out, b"tEXt", &text);
    }
    png_chunk(&mut out, b"IEND", &[]);
    Ok(out)
}

/// A one-page PDF of exactly `total` bytes when that leaves room for its
/// fixed part (about 700 bytes); the rest is an unused stream of filler.
fn pdf(total: u64) -> Vec<u8> {
    let content = b"BT /F1 24 Tf 72 720 Td (wirelab task2.pdf) Tj ET\n";
    let build = |filler: usize| {
        let mut out: Vec<u8> = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n".to_vec();
        let mut offsets = Vec::new();
        let mut obj = |out: &mut Vec<u8>, body: &[u8]| {
            offsets.push(out.len());
            out.extend_from_slice(format!("{} 0 obj\n", offsets.len()).as_bytes());
            out.extend_from_slice(body);
            out.extend_from_slice(b"\nendobj\n");
        };
        obj(&mut out, b"<< /Type /Catalog /Pages 2 0 R >>");
        obj(&mut out, b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>");
        obj(
            &mut out,
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R \
              /Resources << /Font << /F1 5 0 R >> >> >>",
        );
        let mut s = format!("<< /Length {} >>\nstream\n", content.len()).into_bytes();
        s.extend_from_slice(content);
        s.extend_from_slice(b"endstream");
        obj(&mut out, &s);
        obj(
            &mut out,
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        );
        let mut s = format!("<< /Length {filler} >>\nstream\n").into_bytes();
        s.extend((0..filler).map(|i| b"wirelab "[i % 8]));
        s.extend_from_slice(b"\nendstream");
        obj(&mut out, &s);
        let xref = out.len();
        out.extend_from_slice(
            format!("xref\n0 {}\n0000000000 65535 f \n", offsets.len() + 1).as_bytes(),
        );
        for o in &offsets {
            out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
        }
        out.extend_from_slice(
            format!(
                "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
                offsets.len() + 1
            )
            .as_bytes(),
        );
        out
    };
    // The length digits move offsets, so converge on the exact size.
    let mut filler = 0usize;
    for _ in 0..8 {
        let len = build(filler).len() as u64;
        if len == total {
            break;
        }
        let next = (filler as u64 + total).saturating_sub(len);
        filler = usize::try_from(next).unwrap_or(0);
        if len > total && filler == 0 {
            break;
        }
    }
    build(filler)
}

/// Creates the demo files in `dir` (made if missing), sizes multiplied by
/// `scale`. Returns the files with their sizes.
pub fn generate(dir: &Path, scale: f64) -> io::Result<Vec<DemoFile>> {
    if !(scale.is_finite() && scale > 0.0) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("--scale must be a positive number, not {scale}"),
        ));
    }
    std::fs::create_dir_all(dir)
        .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", dir.display())))?;
    let mut made = Vec::new();
    for (name, mb) in [("50MB.zip", 50u64), ("100MB.zip", 100), ("500MB.zip", 500)] {
        let total = scaled(mb * 1_000_000, scale).max(ZIP_FIXED + 2 * 12);
        let entry = name.replace(".zip", ".bin");
        let mut rng = SplitMix::seeded(name);
        atomic(dir, name, |f| write_zip(f, &entry, total, &mut rng))?;
        made.push(DemoFile {
            name: name.to_string(),
            size: total,
        });
    }
    let png_bytes = png(
        scaled(3_000_000, scale),
        &mut SplitMix::seeded("image-site.png"),
    )?;
    atomic(dir, "image-site.png", |f| f.write_all(&png_bytes))?;
    made.push(DemoFile {
        name: "image-site.png".into(),
        size: png_bytes.len() as u64,
    });
    let pdf_bytes = pdf(scaled(1_000_000, scale));
    atomic(dir, "task2.pdf", |f| f.write_all(&pdf_bytes))?;
    made.push(DemoFile {
        name: "task2.pdf".into(),
        size: pdf_bytes.len() as u64,
    });
    Ok(made)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix_reference_values() {
        // First outputs for seed 0 (the reference implementation's).
        let mut r = SplitMix(0);
        assert_eq!(r.next(), 0xe220_a839_7b1d_cdaf);
        assert_eq!(r.next(), 0x6e78_9e6a_a1b9_65f4);
    }

    #[test]
    fn files_have_exact_sizes_and_formats() {
        let dir = std::env::temp_dir().join(format!("wirelab-demo-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let made = generate(&dir, 0.001).expect("generate");
        let sizes: Vec<(String, u64)> = made.iter().map(|f| (f.name.clone(), f.size)).collect();
        assert_eq!(
            sizes,
            [
                ("50MB.zip".to_string(), 50_000),
                ("100MB.zip".to_string(), 100_000),
                ("500MB.zip".to_string(), 500_000),
                ("image-site.png".to_string(), 3_000),
                ("task2.pdf".to_string(), 1_000),
            ]
        );
        for f in &made {
            let m = std::fs::metadata(dir.join(&f.name)).expect("exists");
            assert_eq!(m.len(), f.size, "{}", f.name);
        }
        // Zip: signatures where they belong, CRC of the entry right.
        let z = std::fs::read(dir.join("50MB.zip")).expect("read");
        assert_eq!(&z[..4], b"PK\x03\x04");
        let eocd = z.len() - 22;
        assert_eq!(&z[eocd..eocd + 4], b"PK\x05\x06");
        let data = &z[30 + 8..30 + 8 + (50_000 - 98 - 16)];
        assert_eq!(&z[14..18], &crc32fast::hash(data).to_le_bytes());
        // PNG: signature, IHDR first, IEND last, CRCs right.
        let p = std::fs::read(dir.join("image-site.png")).expect("read");
        assert_eq!(&p[..8], b"\x89PNG\r\n\x1a\n");
        let mut i = 8;
        let mut kinds = Vec::new();
        while i + 12 <= p.len() {
            let n = u32::from_be_bytes(p[i..i + 4].try_into().expect("4")) as usize;
            let kind = &p[i + 4..i + 8];
            let crc = crc32fast::hash(&p[i + 4..i + 8 + n]);
            assert_eq!(&p[i + 8 + n..i + 12 + n], &crc.to_be_bytes());
            kinds.push(String::from_utf8_lossy(kind).into_owned());
            i += 12 + n;
        }
        assert_eq!(i, p.len());
        assert_eq!(kinds.first().map(String::as_str), Some("IHDR"));
        assert_eq!(kinds.last().map(String::as_str), Some("IEND"));
        // PDF: every xref offset points at its object.
        let d = std::fs::read(dir.join("task2.pdf")).expect("read");
        let ascii: Vec<u8> = d.iter().map(|&b| if b < 128 { b } else { b'?' }).collect();
        let text = String::from_utf8(ascii).expect("ascii");
        let xref_at: usize = text
            .rsplit("startxref\n")
            .next()
            .and_then(|t| t.lines().next())
            .and_then(|n| n.parse().ok())
            .expect("startxref");
        assert!(text[xref_at..].starts_with("xref\n"));
        for (k, line) in text[xref_at..].lines().skip(3).take(6).enumerate() {
            let off: usize = line[..10].parse().expect("offset");
            assert!(
                text[off..].starts_with(&format!("{} 0 obj", k + 1)),
                "object {}",
                k + 1
            );
        }
        // Deterministic: a second run gives the same bytes.
        let again = std::env::temp_dir().join(format!("wirelab-demo2-{}", std::process::id()));
        generate(&again, 0.001).expect("generate");
        for f in &made {
            assert_eq!(
                std::fs::read(dir.join(&f.name)).expect("a"),
                std::fs::read(again.join(&f.name)).expect("b")
            );
        }
        let _ = std::fs::remove_dir_all(&dir);
        let _ = std::fs::remove_dir_all(&again);
    }
}
