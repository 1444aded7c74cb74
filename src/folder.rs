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
