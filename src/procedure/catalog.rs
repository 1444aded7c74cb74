//! The procedures in force: the five shipped ones (embedded in the binary), then an authority's
//! local folder, which takes precedence.
//!
//! In the local folder, a file with an `id` is a whole procedure: a new one, or a replacement for
//! a shipped one with the same id. A file with `extends = "ID"` is an override: it renames roles,
//! changes a deadline's count, unit, roll or trigger, and adds local `[[targets]]`, without
//! copying the shipped file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::schema::{RawOverride, RawProcedure, SourceFile};
use super::validate::{apply_override, parse, validate};
use super::{Procedure, ProcedureError};

/// The shipped procedure files, by the name shown in messages.
pub const SHIPPED: [(&str, &str); 5] = [
    (
        "config/procedures/bedford-central-beds.toml",
        include_str!("../../config/procedures/bedford-central-beds.toml"),
    ),
    (
        "config/procedures/durham.toml",
        include_str!("../../config/procedures/durham.toml"),
    ),
    (
        "config/procedures/city-and-hackney.toml",
        include_str!("../../config/procedures/city-and-hackney.toml"),
    ),
    (
        "config/procedures/kent.toml",
        include_str!("../../config/procedures/kent.toml"),
    ),
    (
        "config/procedures/oxfordshire.toml",
        include_str!("../../config/procedures/oxfordshire.toml"),
    ),
];

/// The validated procedures in force, by id.
#[derive(Clone, Debug, Default)]
pub struct Procedures {
    by_id: BTreeMap<String, Arc<Procedure>>,
}

/// Whether a file is an override (it has a top-level `extends`) rather than a whole procedure.
/// A file that does not parse is read as a procedure, whose parser then reports the error.
fn is_override(text: &str) -> bool {
    toml::from_str::<toml::Table>(text).is_ok_and(|t| t.contains_key("extends"))
}

impl Procedures {
    /// The shipped procedures, then `local_dir` (every `*.toml`, in name order) when given.
    /// Every error in every file is returned, not just the first.
    pub fn load(local_dir: Option<&Path>) -> Result<Self, Vec<ProcedureError>> {
        let mut files = shipped_files();
        if let Some(dir) = local_dir {
            for path in toml_files(dir)? {
                files.push(read(&path)?);
            }
        }
        Self::from_files(files)
    }

    /// Validates the given files on top of the shipped procedures (an override file needs the
    /// procedure it extends): `timescales procedures check FILE...`. Returns the procedures the
    /// files define or change.
    pub fn check_files(paths: &[PathBuf]) -> Result<Vec<Arc<Procedure>>, Vec<ProcedureError>> {
        let mut errors = Vec::new();
        let mut files = shipped_files();
        let first_given = files.len();
        for p in paths {
            match read(p) {
                Ok(f) => files.push(f),
                Err(mut e) => errors.append(&mut e),
            }
        }
        let names: Vec<String> = files[first_given..]
            .iter()
            .map(|f| f.name.clone())
            .collect();
        match Self::from_files(files) {
            Ok(set) if errors.is_empty() => Ok(set
                .by_id
                .into_values()
                .filter(|p| p.files.iter().any(|f| names.contains(f)))
                .collect()),
            Ok(_) => Err(errors),
            Err(mut e) => {
                errors.append(&mut e);
                Err(errors)
            }
        }
    }

    fn from_files(files: Vec<SourceFile>) -> Result<Self, Vec<ProcedureError>> {
        let mut errors = Vec::new();
        let mut raws: BTreeMap<String, (RawProcedure, Arc<SourceFile>, Vec<String>)> =
            BTreeMap::new();
        let mut overrides = Vec::new();
        for f in files {
            let f = Arc::new(f);
            if is_override(&f.text) {
                match parse::<RawOverride>(&f) {
                    Ok(o) => overrides.push((o, f)),
                    Err(mut e) => errors.append(&mut e),
                }
            } else {
                match parse::<RawProcedure>(&f) {
                    // A later file with the same id (the local folder) replaces an earlier one.
                    Ok(r) => {
                        raws.insert(r.id.get_ref().clone(), (r, f.clone(), vec![f.name.clone()]));
                    }
                    Err(mut e) => errors.append(&mut e),
                }
            }
        }
        for (o, f) in overrides {
            let target = o.extends.get_ref().clone();
            match raws.get_mut(&target) {
                Some((raw, _, names)) => {
                    names.push(f.name.clone());
                    if let Err(mut e) = apply_override(raw, o, &f) {
                        errors.append(&mut e);
                    }
                }
                None => {
                    let (line, column) = f.line_col(o.extends.span().start);
                    errors.push(ProcedureError {
                        file: f.name.clone(),
                        line,
                        column,
                        message: format!("extends unknown procedure '{target}'"),
                        help: format!(
                            "use one of: {}",
                            raws.keys().cloned().collect::<Vec<_>>().join(", ")
                        ),
                    });
                }
            }
        }
        let mut by_id = BTreeMap::new();
        for (id, (raw, src, names)) in raws {
            match validate(raw, &src, names) {
                Ok(p) => {
                    by_id.insert(id, Arc::new(p));
                }
                Err(mut e) => errors.append(&mut e),
            }
        }
        if errors.is_empty() {
            Ok(Procedures { by_id })
        } else {
            Err(errors)
        }
    }

    /// A procedure by id.
    pub fn get(&self, id: &str) -> Option<&Arc<Procedure>> {
        self.by_id.get(id)
    }

    /// All procedures, by id.
    pub fn iter(&self) -> impl Iterator<Item = &Arc<Procedure>> {
        self.by_id.values()
    }

    /// The ids, for messages.
    pub fn ids(&self) -> Vec<&str> {
        self.by_id.keys().map(String::as_str).collect()
    }
}

/// The shipped procedure files, as sources.
fn shipped_files() -> Vec<SourceFile> {
    SHIPPED
        .iter()
        .map(|(name, text)| SourceFile {
            name: name.to_string(),
            text: text.to_string(),
        })
        .collect()
}

fn located(path: &Path, message: String) -> Vec<ProcedureError> {
    vec![ProcedureError {
        file: path.display().to_string(),
        line: 1,
        column: 1,
        message,
        help: String::new(),
    }]
}

fn read(path: &Path) -> Result<SourceFile, Vec<ProcedureError>> {
    std::fs::read_to_string(path)
        .map(|text| SourceFile {
            name: path.display().to_string(),
            text,
        })
        .map_err(|e| located(path, format!("cannot read: {e}")))
}

fn toml_files(dir: &Path) -> Result<Vec<PathBuf>, Vec<ProcedureError>> {
    crate::folder::files_with_extension(dir, "toml")
        .map_err(|e| located(dir, format!("cannot read the local procedures folder: {e}")))
}
