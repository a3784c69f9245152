//! Private files and folders: the one place Fieldline creates what it keeps on disk (the
//! data folder, the database, known_hosts, recordings, the audit log, exports, reports).
//!
//! On Unix:
//! - a folder is created with mode `0700` ([`PRIVATE_DIR_MODE`]) and a file with `0600`
//!   ([`PRIVATE_FILE_MODE`]), passed to `mkdir`/`open` themselves, so nothing depends on
//!   the process's umask (which is process-wide and may be changed by anyone) and there
//!   is no moment when a new file is readable by others;
//! - an existing folder or file that group or others may use is *tightened*: group and
//!   other lose every bit, the owner's bits are kept (`0755` → `0700`, `0644` → `0600`).
//!   Files are tightened through the open handle (`fchmod`), so the file checked is the
//!   file written; a file or folder that cannot be tightened (someone else owns it) is an
//!   error, never silently used.
//!
//! On Windows there are no mode bits: files and folders inherit the ACLs of the folder
//! they are created in. Fieldline's data folder lives in the per-user profile
//! (`%LOCALAPPDATA%`), whose default ACLs grant access only to the user, SYSTEM and the
//! Administrators, and that default is what Fieldline relies on there; these functions
//! then only create and open.

use std::fs::{DirBuilder, File, OpenOptions};
use std::io::{self, Write};
use std::path::Path;

#[cfg(unix)]
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};

/// Mode of a private folder on Unix: the owner only.
pub const PRIVATE_DIR_MODE: u32 = 0o700;
/// Mode of a private file on Unix: the owner reads and writes, nobody else.
pub const PRIVATE_FILE_MODE: u32 = 0o600;

/// The permission bits of group and others.
#[cfg(unix)]
const GROUP_OTHER: u32 = 0o077;

/// Makes sure `dir` is a private folder: creates it and any missing parents (each new one
/// `0700`), and tightens `dir` itself when it already exists with group or other bits.
/// Existing parents are left as they are.
pub fn ensure_private_dir(dir: &Path) -> io::Result<()> {
    let mut builder = DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    builder.mode(PRIVATE_DIR_MODE);
    builder.create(dir)?;
    restrict(dir)
}

/// Creates the new private folder `dir` (`0700`); its parent must exist. An existing
/// `dir` is an error of kind [`io::ErrorKind::AlreadyExists`], so nothing is mixed into
/// a folder that was already there.
pub fn create_new_private_dir(dir: &Path) -> io::Result<()> {
    let mut builder = DirBuilder::new();
    builder.recursive(false);
    #[cfg(unix)]
    builder.mode(PRIVATE_DIR_MODE);
    builder.create(dir)
}

/// Opens `path` with `options`; a file it creates is `0600` from the start, an existing
/// file with group or other bits is tightened through the open handle before it is
/// returned. `options` says how (read, append, truncate, `create_new` ...).
pub fn open_private(path: &Path, options: &mut OpenOptions) -> io::Result<File> {
    #[cfg(unix)]
    options.mode(PRIVATE_FILE_MODE);
    let file = options.open(path)?;
    restrict_open_file(&file)?;
    Ok(file)
}

/// Creates `path` for writing (`0600`), or truncates an existing file and tightens it.
pub fn create_private(path: &Path) -> io::Result<File> {
    open_private(
        path,
        OpenOptions::new().write(true).create(true).truncate(true),
    )
}

/// Creates `path` for writing only if it does not exist yet (`0600`); an existing file
/// is an error of kind [`io::ErrorKind::AlreadyExists`].
pub fn create_new_private(path: &Path) -> io::Result<File> {
    open_private(path, OpenOptions::new().write(true).create_new(true))
}

/// Writes `contents` to `path` as a private file (created `0600`, or replaced in place and
/// tightened), like `std::fs::write`, and syncs it to disk.
pub fn write_private(path: &Path, contents: impl AsRef<[u8]>) -> io::Result<()> {
    let mut file = create_private(path)?;
    file.write_all(contents.as_ref())?;
    file.sync_all()
}

/// Copies the file `from` to the new private file `to` (`0600`, whatever `from`'s mode;
/// an existing `to` is an error of kind [`io::ErrorKind::AlreadyExists`]). The number of
/// bytes copied.
pub fn copy_private(from: &Path, to: &Path) -> io::Result<u64> {
    let mut source = File::open(from)?;
    let mut target = create_new_private(to)?;
    let n = io::copy(&mut source, &mut target)?;
    target.sync_all()?;
    Ok(n)
}

/// Tightens an existing file or folder at `path` (group and other lose every bit, the
/// owner's are kept); a missing `path` is left missing and is no error. For files made by
/// someone else's code, such as SQLite's `-wal` and `-shm`.
pub fn restrict(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        let mode = match std::fs::metadata(path) {
            Ok(meta) => meta.permissions().mode(),
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e),
        };
        if mode & GROUP_OTHER != 0 {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(tightened(mode)))?;
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Tightens an open file (group and other lose every bit, the owner's are kept).
pub fn restrict_open_file(file: &File) -> io::Result<()> {
    #[cfg(unix)]
    {
        let mode = file.metadata()?.permissions().mode();
        if mode & GROUP_OTHER != 0 {
            file.set_permissions(std::fs::Permissions::from_mode(tightened(mode)))?;
        }
    }
    #[cfg(not(unix))]
    let _ = file;
    Ok(())
}

/// Whether the file or folder at `path` is private: on Unix, no bit for group or others;
/// elsewhere always `true` (see the module's note on Windows).
pub fn is_private(path: &Path) -> io::Result<bool> {
    let meta = std::fs::metadata(path)?;
    #[cfg(unix)]
    let private = meta.permissions().mode() & GROUP_OTHER == 0;
    #[cfg(not(unix))]
    let private = {
        let _ = meta;
        true
    };
    Ok(private)
}

/// The owner's permission bits only (setuid, setgid and sticky dropped too).
#[cfg(unix)]
fn tightened(mode: u32) -> u32 {
    mode & 0o700
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::io::Read;

    #[cfg(unix)]
    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
    }

    #[cfg(unix)]
    fn set_mode(path: &Path, mode: u32) {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    }

    #[test]
    fn files_and_folders_are_created_and_written() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("a/b");
        ensure_private_dir(&dir).unwrap();
        ensure_private_dir(&dir).unwrap();
        assert!(dir.is_dir());
        write_private(&dir.join("f"), "one").unwrap();
        write_private(&dir.join("f"), "two").unwrap();
        assert_eq!(std::fs::read_to_string(dir.join("f")).unwrap(), "two");
        assert_eq!(copy_private(&dir.join("f"), &dir.join("g")).unwrap(), 3);
        assert_eq!(
            copy_private(&dir.join("f"), &dir.join("g"))
                .unwrap_err()
                .kind(),
            io::ErrorKind::AlreadyExists
        );
        assert_eq!(
            create_new_private_dir(&dir).unwrap_err().kind(),
            io::ErrorKind::AlreadyExists
        );
        let mut f =
            open_private(&dir.join("g"), OpenOptions::new().read(true).append(true)).unwrap();
        f.write_all(b"!").unwrap();
        let mut text = String::new();
        File::open(dir.join("g"))
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        assert_eq!(text, "two!");
        restrict(&tmp.path().join("missing")).unwrap();
        assert!(is_private(&dir).unwrap());
    }

    #[cfg(unix)]
    #[test]
    fn new_folders_are_0700_and_new_files_0600_whatever_the_source_mode() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("new/nested");
        ensure_private_dir(&dir).unwrap();
        assert_eq!(mode(&tmp.path().join("new")), 0o700);
        assert_eq!(mode(&dir), 0o700);
        create_new_private_dir(&dir.join("export")).unwrap();
        assert_eq!(mode(&dir.join("export")), 0o700);
        write_private(&dir.join("w"), "x").unwrap();
        assert_eq!(mode(&dir.join("w")), 0o600);
        create_new_private(&dir.join("n")).unwrap();
        assert_eq!(mode(&dir.join("n")), 0o600);
        let loose = tmp.path().join("loose");
        std::fs::write(&loose, "x").unwrap();
        set_mode(&loose, 0o644);
        copy_private(&loose, &dir.join("copy")).unwrap();
        assert_eq!(mode(&dir.join("copy")), 0o600);
        assert_eq!(mode(&loose), 0o644, "the source is only read");
    }

    #[cfg(unix)]
    #[test]
    fn existing_loose_folders_and_files_are_tightened() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("d");
        std::fs::create_dir(&dir).unwrap();
        set_mode(&dir, 0o755);
        assert!(!is_private(&dir).unwrap());
        ensure_private_dir(&dir).unwrap();
        assert_eq!(mode(&dir), 0o700);

        let file = dir.join("f");
        std::fs::write(&file, "x").unwrap();
        set_mode(&file, 0o644);
        open_private(&file, OpenOptions::new().append(true)).unwrap();
        assert_eq!(mode(&file), 0o600);

        set_mode(&file, 0o666);
        write_private(&file, "y").unwrap();
        assert_eq!(mode(&file), 0o600);

        set_mode(&file, 0o640);
        restrict(&file).unwrap();
        assert_eq!(mode(&file), 0o600);

        // The owner's bits are kept; only group and other lose theirs.
        set_mode(&file, 0o400);
        restrict(&file).unwrap();
        assert_eq!(mode(&file), 0o400);
        set_mode(&dir, 0o750);
        restrict(&dir).unwrap();
        assert_eq!(mode(&dir), 0o700);
    }
}
