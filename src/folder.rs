//! Drop-in folders and fingerprints of what was read from them.
//!
//! Drop-in folders: the administrator puts files in a folder (newer holiday data, local
//! procedures) and they are read in name order at start-up, so the order is predictable and a
//! later file wins.

use std::io;
use std::path::{Path, PathBuf};

/// The regular files in `dir` whose names end in `.ext`, sorted by name. A folder that does not
/// exist holds no files: it is optional until an administrator creates it.
pub fn files_with_extension(dir: &Path, ext: &str) -> io::Result<Vec<PathBuf>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == ext) && p.is_file())
        .collect();
    files.sort();
    Ok(files)
}

/// FNV-1a, 64-bit: a stable fingerprint of what was read (unlike `std`'s hasher, the same bytes
/// give the same value in every build), to notice when shipped or dropped-in data has changed.
#[derive(Clone, Copy, Debug)]
pub struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    /// Adds bytes, with a separator so that ("ab", "c") and ("a", "bc") differ.
    pub fn write(&mut self, bytes: &[u8]) {
        for b in bytes.iter().chain(std::iter::once(&0xff)) {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }

    /// The fingerprint so far.
    pub fn finish(&self) -> u64 {
        self.0
    }
}

/// A short stable hash of `s` (12 hex digits), for message keys and thread ids: stable across
/// builds, and no way back to what it hashed.
pub fn short_hash(s: &str) -> String {
    let mut h = Fnv::default();
    h.write(s.as_bytes());
    format!("{:012x}", h.finish() & 0xffff_ffff_ffff)
}
