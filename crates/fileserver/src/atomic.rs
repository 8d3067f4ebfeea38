//! Writing a file so that readers see the old content or the new, never a
//! half-written one: a temporary file beside the destination, synced, then
//! renamed over it.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// A temporary file in the destination's directory. Dropped without
/// [`AtomicFile::commit`], it is removed.
#[derive(Debug)]
pub struct AtomicFile {
    file: Option<File>,
    tmp: PathBuf,
    dest: PathBuf,
}

impl AtomicFile {
    /// Creates the temporary file for `dest`. Its mode will be `dest`'s
    /// current mode when `dest` exists (as rewriting it in place would
    /// keep), else `0o666` less the umask (as creating it would give).
    pub fn create(dest: &Path) -> io::Result<Self> {
        let dir = dest
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let name = dest
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let keep_mode = fs::metadata(dest)
            .ok()
            .filter(|m| m.is_file())
            .map(|m| m.permissions().mode() & 0o7777);
        let mut tries = 0;
        loop {
            let tmp = dir.join(format!(".{name}.{:016x}.salt-rs-tmp", fastrand::u64(..)));
            match OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o666)
                .custom_flags(libc::O_NOFOLLOW)
                .open(&tmp)
            {
                Ok(file) => {
                    if let Some(mode) = keep_mode {
                        file.set_permissions(fs::Permissions::from_mode(mode))?;
                    }
                    return Ok(Self {
                        file: Some(file),
                        tmp,
                        dest: dest.to_path_buf(),
                    });
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists && tries < 8 => tries += 1,
                Err(e) => return Err(e),
            }
        }
    }

    /// Syncs the data, renames it over the destination and syncs the
    /// directory.
    pub fn commit(mut self) -> io::Result<PathBuf> {
        if let Some(file) = self.file.take() {
            file.sync_all()?;
        }
        fs::rename(&self.tmp, &self.dest)?;
        if let Some(dir) = self.dest.parent().filter(|p| !p.as_os_str().is_empty())
            && let Ok(d) = File::open(dir)
        {
            let _ = d.sync_all();
        }
        Ok(self.dest.clone())
    }

    /// Starts over: empties the temporary file (a retried download).
    pub fn truncate(&mut self) -> io::Result<()> {
        if let Some(f) = &mut self.file {
            f.set_len(0)?;
            io::Seek::seek(f, io::SeekFrom::Start(0))?;
        }
        Ok(())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.file {
            Some(f) => f.write(buf),
            None => Err(io::Error::other("file already committed")),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.file {
            Some(f) => f.flush(),
            None => Ok(()),
        }
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.file.is_some() {
            let _ = fs::remove_file(&self.tmp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commit_replaces_and_keeps_the_mode_drop_cleans_up() {
        let t = tempfile::tempdir().unwrap();
        let dest = t.path().join("f");
        fs::write(&dest, "old").unwrap();
        fs::set_permissions(&dest, fs::Permissions::from_mode(0o640)).unwrap();
        let mut a = AtomicFile::create(&dest).unwrap();
        a.write_all(b"new").unwrap();
        assert_eq!(
            fs::read_to_string(&dest).unwrap(),
            "old",
            "not visible before commit"
        );
        a.commit().unwrap();
        assert_eq!(fs::read_to_string(&dest).unwrap(), "new");
        assert_eq!(
            fs::metadata(&dest).unwrap().permissions().mode() & 0o777,
            0o640
        );

        let mut b = AtomicFile::create(&t.path().join("g")).unwrap();
        b.write_all(b"x").unwrap();
        drop(b);
        let left: Vec<_> = fs::read_dir(t.path()).unwrap().collect();
        assert_eq!(left.len(), 1, "the temporary file is removed");
    }
}
