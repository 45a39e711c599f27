use super::batch::{create_temp, temp_name, Core};
use super::*;
use std::io::Write as _;
use std::os::unix::fs::{symlink, PermissionsExt};

/// Every file below `dir` (links as their target text), for before/after comparisons.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut all: Vec<(PathBuf, Vec<u8>)> = walkdir::WalkDir::new(dir)
        .into_iter()
        .map(Result::unwrap)
        .map(|e| {
            let rel = e.path().strip_prefix(dir).unwrap().to_path_buf();
            let t = e.file_type();
            let bytes = if t.is_symlink() {
                std::fs::read_link(e.path())
                    .unwrap()
                    .into_os_string()
                    .into_encoded_bytes()
            } else if t.is_file() {
                std::fs::read(e.path()).unwrap()
            } else {
                b"<folder>".to_vec()
            };
            (rel, bytes)
        })
        .collect();
    all.sort();
    all
}

/// A root with a file, and an outside folder a hostile link may point at.
/// Sets a umask that narrows a new file's 0o666 (0o022, unless the process already has
/// one that does), so that a mode test with group or other write bits fails when the
/// write did not give the replaced file its bits.
fn narrowing_umask() {
    // SAFETY: umask only swaps the process's file mode creation mask.
    let old = unsafe { libc::umask(0o022) };
    if old & 0o022 == 0o022 {
        // SAFETY: as above.
        unsafe { libc::umask(old) };
    }
}

fn setup() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let (root, outside) = (tmp.path().join("root"), tmp.path().join("outside"));
    std::fs::create_dir_all(root.join("a")).unwrap();
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(root.join("a/f.xml"), "old").unwrap();
    std::fs::write(outside.join("victim"), "precious").unwrap();
    (tmp, root, outside)
}

fn write_with<D: Dir>(root: &Root, rel: &str, bytes: &[u8]) -> Result<(), WriteError> {
    let mut core = Core::<D>::new();
    core.stage(root, Path::new(rel), bytes)?;
    core.commit().map_err(|p| p.error)
}

/// A write through one implementation.
type WriteFn = fn(&Root, &str, &[u8]) -> Result<(), WriteError>;

/// The rules hold for both implementations: descriptors on Unix, paths elsewhere.
fn both(test: fn(WriteFn)) {
    test(write_with::<Native>);
    test(write_with::<portable::Dir>);
}

#[test]
fn a_file_is_replaced_and_a_new_one_created_with_its_folders() {
    both(|write| {
        let (_tmp, root, _) = setup();
        let r = Root::new(&root);
        write(&r, "a/f.xml", b"new").unwrap();
        write(&r, "b/c/g.xml", b"g").unwrap();
        assert_eq!(std::fs::read(root.join("a/f.xml")).unwrap(), b"new");
        assert_eq!(std::fs::read(root.join("b/c/g.xml")).unwrap(), b"g");
        let names: Vec<_> = std::fs::read_dir(root.join("a")).unwrap().collect();
        assert_eq!(names.len(), 1, "no temporary file left");
    });
}

#[test]
fn links_below_the_root_are_refused_and_nothing_changes() {
    both(|write| {
        let (tmp, root, outside) = setup();
        let r = Root::new(&root);
        symlink(outside.join("victim"), root.join("a/dest.xml")).unwrap();
        symlink(&outside, root.join("linked")).unwrap();
        // A link inside the root, to a file inside the root: refused too, naming the file.
        symlink(root.join("a/f.xml"), root.join("a/inner.xml")).unwrap();
        let before = snapshot(tmp.path());
        for (rel, says) in [
            ("a/dest.xml", "a/dest.xml: a symbolic link"),
            ("linked/victim", "linked: a symbolic link"),
            ("linked/new/x.xml", "linked: a symbolic link"),
            ("a/inner.xml", "edit"),
        ] {
            let e = write(&r, rel, b"evil").unwrap_err();
            assert!(matches!(e, WriteError::Link { .. }), "{rel}: {e}");
            assert!(e.to_string().contains(says), "{rel}: {e}");
            assert_eq!(snapshot(tmp.path()), before, "{rel}");
        }
        let e = write(&r, "a/inner.xml", b"x").unwrap_err();
        assert!(
            e.to_string()
                .ends_with(&format!("edit {} instead", root.join("a/f.xml").display())),
            "{e}"
        );
    });
}

#[test]
fn the_roots_own_path_may_be_a_link() {
    both(|write| {
        let (tmp, root, _) = setup();
        let via = tmp.path().join("via");
        symlink(&root, &via).unwrap();
        write(&Root::new(&via), "a/f.xml", b"through the root's link").unwrap();
        assert_eq!(
            std::fs::read(root.join("a/f.xml")).unwrap(),
            b"through the root's link"
        );
    });
}

#[test]
fn paths_that_climb_out_are_refused() {
    let (tmp, root, outside) = setup();
    let r = Root::new(&root);
    let before = snapshot(tmp.path());
    for rel in [
        "../outside/victim".to_string(),
        "a/../../outside/victim".to_string(),
        outside.join("victim").display().to_string(),
    ] {
        let e = r.check(Path::new(&rel)).unwrap_err();
        assert!(matches!(e, WriteError::OutsideRoot { .. }), "{rel}: {e}");
        let e = r.relative(&root.join(&rel)).unwrap_err();
        assert!(matches!(e, WriteError::OutsideRoot { .. }), "{rel}: {e}");
        assert!(r.write(Path::new(&rel), b"x").is_err());
    }
    assert_eq!(snapshot(tmp.path()), before);
    // Below the root in its canonical spelling is inside.
    let canonical = root.canonicalize().unwrap().join("a/f.xml");
    assert_eq!(r.relative(&canonical).unwrap(), Path::new("a/f.xml"));
    assert!(
        r.relative(Path::new("a/f.xml")).is_err(),
        "not below the root"
    );
    // A path relative to the root is that, even when it starts with the root's own name.
    let named = Root::new(root.join("a"));
    std::fs::create_dir_all(root.join("a/a")).unwrap();
    named.write(Path::new("a/x"), b"x").unwrap();
    assert!(root.join("a/a/x").is_file());
}

#[test]
fn read_only_files_are_refused_by_their_mode_and_modes_are_kept() {
    both(|write| {
        let (_tmp, root, _) = setup();
        let r = Root::new(&root);
        let f = root.join("a/f.xml");
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o444)).unwrap();
        // Refused from the mode, even as root (who could open it for writing).
        let e = write(&r, "a/f.xml", b"new").unwrap_err();
        assert!(matches!(e, WriteError::ReadOnly { .. }), "{e}");
        assert_eq!(std::fs::read(&f).unwrap(), b"old");
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o664)).unwrap();
        write(&r, "a/f.xml", b"new").unwrap();
        assert_eq!(std::fs::read(&f).unwrap(), b"new");
    });
    // The exact bits are the descriptor implementation's (the portable one keeps only
    // the read-only flag, all Windows has).
    let (_tmp, root, _) = setup();
    let f = root.join("a/f.xml");
    // Bits a 0o022 umask would take from a new file.
    narrowing_umask();
    std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o777)).unwrap();
    Root::new(&root)
        .write(Path::new("a/f.xml"), b"new")
        .unwrap();
    let mode = std::fs::metadata(&f).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o777);
}

#[test]
fn a_hard_link_is_not_written_through() {
    both(|write| {
        let (_tmp, root, outside) = setup();
        std::fs::hard_link(root.join("a/f.xml"), outside.join("hard")).unwrap();
        write(&Root::new(&root), "a/f.xml", b"new").unwrap();
        assert_eq!(std::fs::read(outside.join("hard")).unwrap(), b"old");
    });
}

/// Through the real write, with no hook in it: the thread's generator is seeded, and the
/// names it will give are planted first, a link to a file outside and a file. Neither is
/// opened, followed or replaced.
#[test]
fn a_link_at_the_next_temporary_name_is_never_followed_by_a_write() {
    both(|write| {
        let (_tmp, root, outside) = setup();
        let name = OsStr::new("f.xml");
        let mut rng = fastrand::Rng::with_seed(18);
        let (first, second) = (rng.u64(..), rng.u64(..));
        // The write draws from this thread's generator: seeded, it gives `first` first.
        fastrand::seed(18);
        assert_eq!(
            fastrand::u64(..),
            first,
            "the names planted are the ones drawn"
        );
        let link = root.join("a").join(temp_name(name, first));
        symlink(outside.join("victim"), &link).unwrap();
        std::fs::write(root.join("a").join(temp_name(name, second)), "someone's").unwrap();
        fastrand::seed(18);
        write(&Root::new(&root), "a/f.xml", b"new").unwrap();
        assert_eq!(std::fs::read(root.join("a/f.xml")).unwrap(), b"new");
        assert_eq!(std::fs::read(outside.join("victim")).unwrap(), b"precious");
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(
            std::fs::read(root.join("a").join(temp_name(name, second))).unwrap(),
            b"someone's"
        );
        assert_eq!(
            std::fs::read_dir(root.join("a")).unwrap().count(),
            3,
            "the file and the two planted names; no temporary file left"
        );
    });
}

#[test]
fn a_taken_temporary_name_is_never_opened() {
    let (_tmp, root, outside) = setup();
    let dir = <Native as Dir>::open_root(&root.join("a")).unwrap();
    let name = OsStr::new("f.xml");
    // The first two names the generator gives are taken: a link to outside, a file.
    symlink(
        outside.join("victim"),
        root.join("a").join(temp_name(name, 1)),
    )
    .unwrap();
    std::fs::write(root.join("a").join(temp_name(name, 2)), "someone's").unwrap();
    let mut seq = [1u64, 2, 3].into_iter();
    let (temp, mut f) = create_temp(&dir, name, None, || seq.next().unwrap()).unwrap();
    assert_eq!(temp, temp_name(name, 3));
    f.write_all(b"mine").unwrap();
    assert_eq!(std::fs::read(outside.join("victim")).unwrap(), b"precious");
    assert_eq!(
        std::fs::read(root.join("a").join(temp_name(name, 2))).unwrap(),
        b"someone's"
    );
    // Names are hidden, bounded, and differ from run to run.
    let long = OsString::from("x".repeat(300));
    assert!(temp_name(&long, u64::MAX).len() < 100);
    assert!(temp_name(name, 7).to_string_lossy().starts_with(".f.xml."));
}

#[test]
fn a_failed_batch_leaves_no_temporary_file_or_created_folder() {
    let (tmp, root, _) = setup();
    let r = Root::new(&root);
    std::fs::write(root.join("blocked"), "a file where a folder goes").unwrap();
    let before = snapshot(tmp.path());
    let mut batch = Batch::new();
    batch.stage(&r, Path::new("a/f.xml"), b"new").unwrap();
    batch.stage(&r, Path::new("new/deep/x.xml"), b"x").unwrap();
    let e = batch
        .stage(&r, Path::new("blocked/m.xml"), b"m")
        .unwrap_err();
    assert!(e.to_string().contains("is not a folder"), "{e}");
    drop(batch);
    assert_eq!(snapshot(tmp.path()), before);
}

#[test]
fn a_commit_that_stops_says_how_far_it_went() {
    let (_tmp, root, _) = setup();
    let r = Root::new(&root);
    let mut batch = Batch::new();
    batch.stage(&r, Path::new("a/f.xml"), b"new").unwrap();
    batch.stage(&r, Path::new("a/g.xml"), b"g").unwrap();
    // The second destination becomes a folder with something in it: its rename fails.
    std::fs::create_dir_all(root.join("a/g.xml/x")).unwrap();
    let p = batch.commit().unwrap_err();
    assert_eq!(p.done, 1);
    assert_eq!(std::fs::read(root.join("a/f.xml")).unwrap(), b"new");
    drop(batch);
    let left: Vec<_> = std::fs::read_dir(root.join("a"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left.len(), 2, "no temporary file left: {left:?}");
}

#[test]
fn a_tree_with_a_link_in_it_is_not_removed() {
    let (tmp, root, outside) = setup();
    let r = Root::new(&root);
    std::fs::create_dir_all(root.join("t/sub")).unwrap();
    std::fs::write(root.join("t/sub/x"), "x").unwrap();
    symlink(&outside, root.join("t/sub/out")).unwrap();
    let before = snapshot(tmp.path());
    let e = r.remove_tree(Path::new("t")).unwrap_err();
    assert!(e.to_string().contains("t/sub/out: a symbolic link"), "{e}");
    assert_eq!(snapshot(tmp.path()), before);
    // The tree itself a link: refused too.
    std::fs::remove_file(root.join("t/sub/out")).unwrap();
    symlink(&outside, root.join("u")).unwrap();
    assert!(matches!(
        r.remove_tree(Path::new("u")),
        Err(WriteError::Link { .. })
    ));
    assert!(outside.join("victim").exists());
    r.remove_tree(Path::new("t")).unwrap();
    assert!(!root.join("t").exists());
    // A file link is refused, not removed; a missing one is nothing to do.
    assert!(r.remove_file(Path::new("u")).is_err());
    r.remove_file(Path::new("gone")).unwrap();
    r.remove_file(Path::new("a/f.xml")).unwrap();
    assert!(!root.join("a/f.xml").exists());
}

#[test]
fn other_kinds_of_file_are_refused() {
    let (_tmp, root, _) = setup();
    let r = Root::new(&root);
    let e = r.check(Path::new("a")).unwrap_err();
    assert!(e.to_string().ends_with("a: is a folder, not a file"), "{e}");
    let fifo = root.join("a/pipe");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let e = r.write(Path::new("a/pipe"), b"x").unwrap_err();
    assert!(e.to_string().contains(NOT_REGULAR), "{e}");
    assert_eq!(r.check(Path::new("new/x")).unwrap(), Target::New);
    assert_eq!(r.check(Path::new("a/f.xml")).unwrap(), Target::Replace);
}

#[test]
fn an_output_is_refused_only_as_a_folder_a_link_or_an_input() {
    let (tmp, root, outside) = setup();
    let input = root.join("a/f.xml");
    symlink(outside.join("victim"), root.join("link.txt")).unwrap();
    let out = |p: &Path| OutputFile::new(p).input(&input, "the waiver file");
    let before = snapshot(tmp.path());
    let e = out(&root.join("a")).write(b"x").unwrap_err();
    assert!(e.to_string().contains(IS_A_FOLDER), "{e}");
    let e = out(&root.join("link.txt")).write(b"x").unwrap_err();
    assert!(matches!(e, WriteError::Link { .. }), "{e}");
    // The input by another name (a hard link) is still the input.
    std::fs::hard_link(&input, root.join("same.xml")).unwrap();
    let before_hard = snapshot(tmp.path());
    for p in [input.clone(), root.join("same.xml")] {
        let e = out(&p).write(b"x").unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "{}: the waiver file, an input of this run; the output would replace it",
                p.display()
            )
        );
    }
    assert_eq!(snapshot(tmp.path()), before_hard);
    std::fs::remove_file(root.join("same.xml")).unwrap();
    assert_eq!(snapshot(tmp.path()), before);
    let e = out(&root.join("missing/r.json")).write(b"x").unwrap_err();
    assert!(e.to_string().contains("does not exist"), "{e}");
    // A regular file is replaced and keeps its mode; a new one is created.
    let report = root.join("report.json");
    std::fs::write(&report, "old").unwrap();
    narrowing_umask();
    std::fs::set_permissions(&report, std::fs::Permissions::from_mode(0o666)).unwrap();
    out(&report).write(b"new").unwrap();
    assert_eq!(std::fs::read(&report).unwrap(), b"new");
    assert_eq!(
        std::fs::metadata(&report).unwrap().permissions().mode() & 0o777,
        0o666
    );
    out(&root.join("fresh.json")).write(b"f").unwrap();
    assert_eq!(std::fs::read(root.join("fresh.json")).unwrap(), b"f");
    assert_eq!(
        OutputFile::new("/dev/stdout").check().unwrap(),
        output::Place::Stdout
    );
    assert_eq!(
        OutputFile::new("/dev/null").check().unwrap(),
        output::Place::InPlace
    );
    OutputFile::new("/dev/null").write(b"nothing").unwrap();
}
