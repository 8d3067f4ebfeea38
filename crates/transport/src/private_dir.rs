//! Private 0700 directories for the master's inner hop: the zeromq PUB and
//! ROUTER sockets listen on an `ipc://` socket inside one, so only the
//! guard (same user) can reach them. A loopback TCP port would be open to
//! every local user, and one crafted frame header aborts zeromq 0.7.
//!
//! A directory is named `salt-transport-<pid>-<random>` under the system
//! temporary directory. It is removed when its socket is closed; directories
//! left behind by a process that died without cleaning up are swept when the
//! next one is created.

use std::fs::DirBuilder;
use std::io;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::{TransportError, zmq_runtime};

/// Name prefix of every private directory.
const PREFIX: &str = "salt-transport-";
/// Longest socket path used: `sun_path` holds 108 bytes including the NUL.
const MAX_SOCKET_PATH: usize = 100;
/// Room for the directory and socket names after the base directory.
const NAME_ROOM: usize = 64;
/// How long removal waits for zeromq to delete its own socket file.
const RELEASE_WAIT: Duration = Duration::from_secs(2);

/// A directory only the current user can enter; removed on [`Self::remove`]
/// or, in the background, on drop.
#[derive(Debug)]
pub(crate) struct PrivateDir {
    path: Option<PathBuf>,
}

impl PrivateDir {
    /// Creates a fresh directory with mode 0700 under the system temporary
    /// directory (under `/tmp` when that path is too long for a socket).
    pub(crate) fn create() -> io::Result<Self> {
        let base = std::env::temp_dir();
        let base = if base.as_os_str().len() + NAME_ROOM > MAX_SOCKET_PATH {
            PathBuf::from("/tmp")
        } else {
            base
        };
        Self::create_in(&base)
    }

    /// Creates a fresh directory with mode 0700 under `base`.
    pub(crate) fn create_in(base: &Path) -> io::Result<Self> {
        let pid = std::process::id();
        for _ in 0..16 {
            let path = base.join(format!("{PREFIX}{pid}-{:016x}", fastrand::u64(..)));
            // mkdir never follows a symlink planted at the final component:
            // an existing name of any kind gives AlreadyExists.
            match DirBuilder::new().mode(0o700).create(&path) {
                Ok(()) => {
                    let dir = Self { path: Some(path) };
                    let uid = dir.secure()?;
                    sweep_stale(base, uid);
                    return Ok(dir);
                }
                Err(error) if error.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(error) => return Err(error),
            }
        }
        Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            "no free name for a private socket directory",
        ))
    }

    /// The directory.
    pub(crate) fn path(&self) -> &Path {
        self.path.as_deref().unwrap_or(Path::new(""))
    }

    /// The path of socket `name` in the directory and its `ipc://` endpoint.
    pub(crate) fn socket(&self, name: &str) -> Result<(PathBuf, String), TransportError> {
        let path = self.path().join(name);
        let text = path.to_str().ok_or_else(|| {
            TransportError::Socket(format!("socket path {} is not valid UTF-8", path.display()))
        })?;
        if text.len() > MAX_SOCKET_PATH {
            return Err(TransportError::Socket(format!(
                "socket path {text} is too long"
            )));
        }
        let endpoint = format!("ipc://{text}");
        Ok((path, endpoint))
    }

    /// Waits (bounded) until zeromq has deleted its socket file, so that it
    /// finds it where it left it, then removes the directory.
    pub(crate) async fn remove(mut self) {
        if let Some(path) = self.path.take() {
            remove_when_released(path).await;
        }
    }

    /// Sets and checks mode 0700 on a real directory; returns its owner.
    fn secure(&self) -> io::Result<u32> {
        let path = self.path();
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o700))?;
        let meta = std::fs::symlink_metadata(path)?;
        if !meta.file_type().is_dir() || meta.mode() & 0o7777 != 0o700 {
            return Err(io::Error::new(
                io::ErrorKind::PermissionDenied,
                format!("{} is not a private directory", path.display()),
            ));
        }
        Ok(meta.uid())
    }
}

impl Drop for PrivateDir {
    fn drop(&mut self) {
        if let Some(path) = self.path.take() {
            zmq_runtime().spawn(remove_when_released(path));
        }
    }
}

async fn remove_when_released(path: PathBuf) {
    let deadline = tokio::time::Instant::now() + RELEASE_WAIT;
    while !is_empty(&path) && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    if let Err(error) = std::fs::remove_dir_all(&path)
        && error.kind() != io::ErrorKind::NotFound
    {
        tracing::debug!(path = %path.display(), %error, "cannot remove socket directory");
    }
}

fn is_empty(path: &Path) -> bool {
    std::fs::read_dir(path).map_or(true, |mut entries| entries.next().is_none())
}

/// Removes directories of processes that are gone (Linux: no `/proc/<pid>`),
/// owned by `uid`. Best effort: errors are ignored.
fn sweep_stale(base: &Path, uid: u32) {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(base) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix(PREFIX))
            .and_then(|rest| rest.split_once('-'))
            .and_then(|(pid, _)| pid.parse::<u32>().ok())
        else {
            continue;
        };
        if pid == std::process::id() || Path::new("/proc").join(pid.to_string()).exists() {
            continue;
        }
        let path = entry.path();
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        if meta.file_type().is_dir() && meta.uid() == uid {
            tracing::debug!(path = %path.display(), "removing stale socket directory");
            let _ = std::fs::remove_dir_all(&path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch() -> PathBuf {
        let base = std::env::temp_dir().join(format!(
            "salt-transport-test-{}-{:x}",
            std::process::id(),
            fastrand::u64(..)
        ));
        std::fs::create_dir(&base).unwrap();
        base
    }

    #[tokio::test]
    async fn creates_0700_dir_and_removes_it() {
        let base = scratch();
        let dir = PrivateDir::create_in(&base).unwrap();
        let path = dir.path().to_owned();
        let meta = std::fs::symlink_metadata(&path).unwrap();
        assert!(meta.is_dir());
        assert_eq!(meta.mode() & 0o7777, 0o700);
        let (sock, endpoint) = dir.socket("x.sock").unwrap();
        assert_eq!(sock, path.join("x.sock"));
        assert_eq!(endpoint, format!("ipc://{}", sock.display()));
        dir.remove().await;
        assert!(!path.exists());
        std::fs::remove_dir_all(&base).unwrap();
    }

    #[tokio::test]
    async fn drop_removes_in_background_after_the_socket_is_gone() {
        let base = scratch();
        let dir = PrivateDir::create_in(&base).unwrap();
        let path = dir.path().to_owned();
        std::fs::write(path.join("left.sock"), b"").unwrap();
        drop(dir);
        // Not empty: removal waits (up to RELEASE_WAIT) for the file to go.
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(path.exists());
        std::fs::remove_file(path.join("left.sock")).unwrap();
        for _ in 0..200 {
            if !path.exists() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert!(!path.exists());
        std::fs::remove_dir_all(&base).unwrap();
    }

    #[test]
    fn sweeps_dirs_of_dead_processes_only() {
        let base = scratch();
        // No process has pid 4294967 on Linux (pid_max is at most 2^22).
        let dead = base.join(format!("{PREFIX}4294967-00"));
        let alive = base.join(format!("{PREFIX}1-00"));
        let other = base.join("unrelated-4294967-00");
        for d in [&dead, &alive, &other] {
            std::fs::create_dir(d).unwrap();
        }
        let dir = PrivateDir::create_in(&base).unwrap();
        assert!(!dead.exists());
        assert!(alive.exists());
        assert!(other.exists());
        assert!(dir.path().exists());
        drop(dir);
        std::fs::remove_dir_all(&base).unwrap();
    }
}
