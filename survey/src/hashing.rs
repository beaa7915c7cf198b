//! SHA-256 in the two places the benchmark needs it: file hashes for the manifest, and
//! the split rule (v = SHA-256 of the id's decimal string, big-endian, mod 100;
//! v < 70 train, v < 85 validation, else test).

use mobility::Split;
use sha2::{Digest, Sha256};

/// Lower-case hex SHA-256 of some bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut out = String::with_capacity(64);
    for b in digest {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// A benchmark's content hash (`manifest.json`'s `content_sha256`): the SHA-256 of the text
/// `<path>\n<sha256>\n` over its files, in the manifest's order.
pub fn content_hash<'a>(files: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut text = String::new();
    for (path, sha256) in files {
        text.push_str(path);
        text.push('\n');
        text.push_str(sha256);
        text.push('\n');
    }
    sha256_hex(text.as_bytes())
}

/// The canonical decimal string of an id: trimmed, and a trailing `.0` (or `.000…`)
/// removed, so `100010.0` and `100010` hash alike.
pub fn canonical_id(raw: &str) -> &str {
    let s = raw.trim();
    match s.split_once('.') {
        Some((int, frac))
            if !int.is_empty()
                && int.bytes().all(|b| b.is_ascii_digit())
                && !frac.is_empty()
                && frac.bytes().all(|b| b == b'0') =>
        {
            int
        }
        _ => s,
    }
}

/// v = SHA-256(id) as a big-endian integer, mod 100.
pub fn split_value(id: &str) -> u8 {
    let digest = Sha256::digest(canonical_id(id).as_bytes());
    digest.iter().fold(0u32, |r, &b| (r * 256 + b as u32) % 100) as u8
}

/// The split of an id by the rule above.
pub fn split_of(id: &str) -> Split {
    match split_value(id) {
        v if v < 70 => Split::Train,
        v if v < 85 => Split::Val,
        _ => Split::Test,
    }
}
