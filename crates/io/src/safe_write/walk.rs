//! Finding a destination below its root: each folder on the way looked at without
//! following it, entered only when it is a folder, created one at a time when missing.

use super::{Dir, Kind, Root, Target, WriteError, IS_A_FOLDER, NOT_A_FOLDER, NOT_REGULAR};
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};

/// Folders a batch created, to remove again when it does not complete.
pub(super) struct Created<D> {
    /// Ancestors of a root that did not exist (the root's own path, created as given).
    pub(super) roots: Vec<PathBuf>,
    /// Below a root: the folder and the name created in it.
    pub(super) below: Vec<(D, OsString)>,
}

/// The folder that holds `rel`, opened; `None` when a folder on the way is missing and
/// `created` is `None` (a check: everything below it is new). Folders are created one at a
/// time, each checked before it is entered.
pub(super) fn parent<D: Dir>(
    root: &Root,
    rel: &Path,
    created: Option<&mut Created<D>>,
) -> Result<Option<D>, WriteError> {
    let mut created = created;
    let mut dir = match D::open_root(&root.path) {
        Ok(d) => d,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => match created.as_deref_mut() {
            None => return Ok(None),
            Some(c) => {
                create_root(&root.path, &mut c.roots).map_err(root.io(Path::new("")))?;
                D::open_root(&root.path).map_err(root.io(Path::new("")))?
            }
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotADirectory => {
            return Err(WriteError::NotAFile {
                path: root.path.clone(),
                what: NOT_A_FOLDER,
            })
        }
        Err(e) => return Err(root.io(Path::new(""))(e)),
    };
    let Some(folders) = rel.parent() else {
        return Ok(Some(dir));
    };
    let mut so_far = PathBuf::new();
    for name in folders.iter() {
        so_far.push(name);
        match dir.kind(name).map_err(root.io(&so_far))? {
            Kind::Folder => {}
            Kind::Missing => match created.as_deref_mut() {
                None => return Ok(None),
                Some(c) => match dir.make_child(name) {
                    Ok(()) => c.below.push((dir.clone(), name.to_os_string())),
                    // Made by someone else meanwhile: entered only if it is a folder.
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                    Err(e) => return Err(root.io(&so_far)(e)),
                },
            },
            Kind::Link => return Err(root.link(&dir, name, &so_far)),
            Kind::File { .. } | Kind::Other => {
                return Err(WriteError::NotAFile {
                    path: root.shown(&so_far),
                    what: NOT_A_FOLDER,
                })
            }
        }
        dir = match dir.child(name) {
            Ok(d) => d,
            // Swapped for a link (or a file) since it was looked at.
            Err(e) => {
                return Err(match dir.kind(name) {
                    Ok(Kind::Link) => root.link(&dir, name, &so_far),
                    _ => root.io(&so_far)(e),
                })
            }
        };
    }
    Ok(Some(dir))
}

/// Creates the missing folders of a root's own path, outermost first, recording each.
fn create_root(path: &Path, created: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let missing: Vec<&Path> = path
        .ancestors()
        .filter(|a| !a.as_os_str().is_empty())
        .take_while(|a| std::fs::symlink_metadata(a).is_err())
        .collect();
    for d in missing.into_iter().rev() {
        std::fs::create_dir(d)?;
        created.push(d.to_path_buf());
    }
    Ok(())
}

pub(super) fn file_name(rel: &Path) -> &OsStr {
    rel.file_name()
        .expect("a relative path of Normal components")
}

/// The checks of a destination already in `dir`: what is there, or the refusal.
pub(super) fn check_name<D: Dir>(root: &Root, dir: &D, rel: &Path) -> Result<Kind, WriteError> {
    let name = file_name(rel);
    let kind = dir.kind(name).map_err(root.io(rel))?;
    match kind {
        Kind::Missing => Ok(kind),
        Kind::File { readonly: true, .. } => Err(WriteError::ReadOnly {
            path: root.shown(rel),
        }),
        Kind::File { .. } => Ok(kind),
        Kind::Link => Err(root.link(dir, name, rel)),
        Kind::Folder => Err(WriteError::NotAFile {
            path: root.shown(rel),
            what: IS_A_FOLDER,
        }),
        Kind::Other => Err(WriteError::NotAFile {
            path: root.shown(rel),
            what: NOT_REGULAR,
        }),
    }
}

pub(super) fn check_at<D: Dir>(root: &Root, rel: &Path) -> Result<Target, WriteError> {
    let rel = root.clean(rel)?;
    match parent::<D>(root, &rel, None)? {
        None => Ok(Target::New),
        Some(dir) => match check_name(root, &dir, &rel)? {
            Kind::Missing => Ok(Target::New),
            _ => Ok(Target::Replace),
        },
    }
}

/// The folder `rel` and everything in it, checked for links without changing anything:
/// the folder that holds it, opened, when `rel` is a folder.
pub(super) fn tree_at<D: Dir>(root: &Root, rel: &Path) -> Result<Option<D>, WriteError> {
    let rel = root.clean(rel)?;
    let Some(dir) = parent::<D>(root, &rel, None)? else {
        return Ok(None);
    };
    let name = file_name(&rel);
    match dir.kind(name).map_err(root.io(&rel))? {
        Kind::Missing => return Ok(None),
        Kind::Link => return Err(root.link(&dir, name, &rel)),
        Kind::Folder => {}
        Kind::File { .. } | Kind::Other => {
            return Err(WriteError::NotAFile {
                path: root.shown(&rel),
                what: NOT_A_FOLDER,
            })
        }
    }
    fn scan<D: Dir>(root: &Root, dir: &D, rel: &Path) -> Result<(), WriteError> {
        let here = dir.child(file_name(rel)).map_err(root.io(rel))?;
        for n in here.names().map_err(root.io(rel))? {
            let sub = rel.join(&n);
            match here.kind(&n).map_err(root.io(&sub))? {
                Kind::Link => return Err(root.link(&here, &n, &sub)),
                Kind::Folder => scan(root, &here, &sub)?,
                _ => {}
            }
        }
        Ok(())
    }
    scan(root, &dir, &rel)?;
    Ok(Some(dir))
}

pub(super) fn remove_at<D: Dir>(root: &Root, rel: &Path, tree: bool) -> Result<(), WriteError> {
    if tree {
        let rel = root.clean(rel)?;
        let Some(dir) = tree_at::<D>(root, &rel)? else {
            return Ok(());
        };
        fn empty<D: Dir>(root: &Root, dir: &D, rel: &Path) -> Result<(), WriteError> {
            let here = dir.child(file_name(rel)).map_err(root.io(rel))?;
            for n in here.names().map_err(root.io(rel))? {
                let sub = rel.join(&n);
                match here.kind(&n).map_err(root.io(&sub))? {
                    Kind::Folder => empty(root, &here, &sub)?,
                    // A link appeared since the scan: removing it removes only the link.
                    _ => here.remove_file(&n).map_err(root.io(&sub))?,
                }
            }
            dir.remove_folder(file_name(rel)).map_err(root.io(rel))
        }
        return empty(root, &dir, &rel);
    }
    let rel = root.clean(rel)?;
    let Some(dir) = parent::<D>(root, &rel, None)? else {
        return Ok(());
    };
    match check_name(root, &dir, &rel) {
        Ok(Kind::Missing) => Ok(()),
        // A read-only file of an earlier snapshot may go: it is not written through.
        Ok(_) | Err(WriteError::ReadOnly { .. }) => {
            dir.remove_file(file_name(&rel)).map_err(root.io(&rel))
        }
        Err(e) => Err(e),
    }
}
