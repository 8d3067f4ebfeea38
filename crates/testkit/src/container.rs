//! A real Debian host for tests: one container of the lab image
//! (`salt-rs-lab:debian12`, built by `scripts/lab-image.sh`) running systemd
//! as PID 1, with apt on a local package repository, no network, and the
//! salt-rs binaries bind-mounted read-only at [`BIN`]. Tests run commands in
//! it, copy files in and out, and the container is removed on drop. Every
//! docker call is bounded.
//!
//! When docker, the daemon or the image is missing, [`Host::start`] returns
//! [`Unavailable`], whose text starts with "docker not available: " and says
//! why; tests print it and return (never a silent pass). With
//! `SALT_RS_REQUIRE_LAB=1` (CI, where docker exists) that is a failure.
//!
//! ```no_run
//! use salt_testkit::container::Host;
//! let host = match Host::start() {
//!     Ok(h) => h,
//!     Err(skip) => return skip.print(),
//! };
//! let out = host.sh("systemctl is-system-running");
//! assert_eq!(out.stdout.trim(), "running");
//! ```
//!
//! How it runs (docs/testing.md): `--network none` (nothing leaves the
//! machine; apt reads its local repository), tmpfs on `/run`, `/run/lock`
//! and `/tmp`, the host's cgroup tree read-only (cgroup v1; on a cgroup v2
//! host `--cgroupns=private --privileged`, or what `SALT_RS_LAB_RUN_FLAGS`
//! says), `CAP_NET_ADMIN` (it only reaches the container's own network
//! namespace) and, when the tests run as root, `/proc/sys/net` remounted
//! writable inside the container (with nsenter) so `sysctl -w net.*` works
//! while the host's other sysctls stay read-only.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::Output;

/// The lab image (`scripts/lab-image.sh`).
pub const IMAGE: &str = "salt-rs-lab:debian12";
/// The image with the real Salt in `/opt/salt` (`scripts/lab-image.sh salt`).
pub const SALT_IMAGE: &str = "salt-rs-lab:salt";
/// Where the salt-rs binaries appear inside the container.
pub const BIN: &str = "/opt/salt-rs/bin";

/// Why the lab cannot run here; see the module docs.
#[derive(Debug, Clone)]
pub struct Unavailable(pub String);

impl std::fmt::Display for Unavailable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "docker not available: {}", self.0)
    }
}

impl Unavailable {
    /// Prints the skip (or fails under `SALT_RS_REQUIRE_LAB=1`).
    pub fn print(&self) {
        if std::env::var_os("SALT_RS_REQUIRE_LAB").is_some_and(|v| v == "1") {
            panic!("{self} (SALT_RS_REQUIRE_LAB=1)");
        }
        eprintln!("SKIP: {self}");
        println!("SKIP: {self}");
    }
}

/// How to start a [`Host`].
#[derive(Debug, Clone)]
pub struct HostBuilder {
    image: String,
    bin_dir: Option<PathBuf>,
    mounts: Vec<(PathBuf, String)>,
    boot_timeout: Duration,
    network: Option<String>,
}

impl Default for HostBuilder {
    fn default() -> Self {
        Self {
            image: IMAGE.to_owned(),
            bin_dir: Some(crate::bin_dir()),
            mounts: Vec::new(),
            boot_timeout: Duration::from_secs(60),
            network: None,
        }
    }
}

impl HostBuilder {
    /// Another image (e.g. [`SALT_IMAGE`]).
    pub fn image(mut self, image: &str) -> Self {
        self.image = image.to_owned();
        self
    }

    /// The directory mounted at [`BIN`] (default: [`crate::bin_dir`]);
    /// `None` mounts nothing there.
    pub fn bin_dir(mut self, dir: Option<PathBuf>) -> Self {
        self.bin_dir = dir;
        self
    }

    /// Bind-mounts a host directory read-only at `dest`.
    pub fn mount(mut self, src: impl Into<PathBuf>, dest: &str) -> Self {
        self.mounts.push((src.into(), dest.to_owned()));
        self
    }

    /// Attaches the container to `net` (made by the test, see [`Network`])
    /// instead of no network at all.
    pub fn network(mut self, net: &Network) -> Self {
        self.network = Some(net.name.clone());
        self
    }

    /// Starts the container and waits (bounded) for systemd to finish booting.
    pub fn start(self) -> Result<Host, Unavailable> {
        docker_ready(&self.image)?;
        static N: AtomicUsize = AtomicUsize::new(0);
        let name = format!(
            "salt-rs-lab-{}-{}-{:04x}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed),
            fastrand::u16(..)
        );
        let mut args: Vec<String> = ["run", "-d", "--name", &name, "--label", "salt-rs-lab=1"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let mut flags = run_flags();
        if let Some(net) = &self.network
            && let Some(i) = flags.iter().position(|f| f == "--network")
            && i + 1 < flags.len()
        {
            flags[i + 1] = net.clone();
        }
        args.extend(flags);
        if let Some(dir) = &self.bin_dir {
            args.push("-v".into());
            args.push(format!("{}:{BIN}:ro", absolute(dir).display()));
        }
        for (src, dest) in &self.mounts {
            args.push("-v".into());
            args.push(format!("{}:{dest}:ro", absolute(src).display()));
        }
        args.push(self.image.clone());
        let out = docker(&args, Duration::from_secs(60))
            .map_err(|e| Unavailable(format!("docker run failed: {e}")))?;
        if out.code != 0 {
            return Err(Unavailable(format!(
                "docker run {} failed: {}",
                self.image,
                out.stderr.trim()
            )));
        }
        let host = Host {
            name,
            id: out.stdout.trim().to_owned(),
            net_sysctls: false,
        };
        let host = host.open_net_sysctls();
        host.wait_booted(self.boot_timeout)?;
        Ok(host)
    }
}

/// One running lab container; removed when dropped.
#[derive(Debug)]
pub struct Host {
    name: String,
    id: String,
    net_sysctls: bool,
}

impl Host {
    /// The lab image with the binaries mounted, booted.
    pub fn start() -> Result<Host, Unavailable> {
        HostBuilder::default().start()
    }

    pub fn builder() -> HostBuilder {
        HostBuilder::default()
    }

    /// The container's name (`docker exec NAME ...` by hand).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The container id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Whether `sysctl -w net.*` works inside (needs root on the host).
    pub fn net_sysctls_writable(&self) -> bool {
        self.net_sysctls
    }

    /// Runs a command inside (bounded by 300 s).
    pub fn exec(&self, argv: &[&str]) -> Output {
        self.exec_timeout(argv, Duration::from_secs(300))
    }

    /// Runs a command inside with its own bound; a command still running
    /// then is killed and reported with code -1.
    pub fn exec_timeout(&self, argv: &[&str], timeout: Duration) -> Output {
        let mut args = vec!["exec".to_owned(), self.name.clone()];
        args.extend(argv.iter().map(|s| s.to_string()));
        docker(&args, timeout).unwrap_or_else(|e| Output {
            stdout: String::new(),
            stderr: e,
            code: -1,
        })
    }

    /// Runs a shell script inside (`sh -c`).
    pub fn sh(&self, script: &str) -> Output {
        self.exec(&["sh", "-c", script])
    }

    /// Copies a host file or directory into the container at `dest`.
    pub fn copy_in(&self, src: &Path, dest: &str) {
        let out = docker(
            &[
                "cp".into(),
                absolute(src).display().to_string(),
                format!("{}:{dest}", self.name),
            ],
            Duration::from_secs(60),
        );
        match out {
            Ok(o) if o.code == 0 => {}
            Ok(o) => panic!("docker cp {} -> {dest}: {}", src.display(), o.stderr),
            Err(e) => panic!("docker cp {} -> {dest}: {e}", src.display()),
        }
    }

    /// Writes `contents` to `path` inside the container (parents created).
    pub fn write_file(&self, path: &str, contents: &str) {
        let mut args = vec!["exec".to_owned(), "-i".into(), self.name.clone()];
        args.extend(
            [
                "sh",
                "-c",
                "mkdir -p \"$(dirname \"$1\")\" && cat >\"$1\"",
                "sh",
                path,
            ]
            .iter()
            .map(|s| s.to_string()),
        );
        let out = docker_stdin(&args, contents.as_bytes(), Duration::from_secs(60));
        match out {
            Ok(o) if o.code == 0 => {}
            Ok(o) => panic!("writing {path} in {}: {}", self.name, o.stderr),
            Err(e) => panic!("writing {path} in {}: {e}", self.name),
        }
    }

    /// Reads a file inside the container.
    pub fn read_file(&self, path: &str) -> Option<String> {
        let out = self.exec(&["cat", path]);
        (out.code == 0).then_some(out.stdout)
    }

    /// Polls `script` (every 100 ms, `sh -c`) until it exits 0 or `timeout`.
    pub fn wait_for(&self, script: &str, timeout: Duration) -> bool {
        let end = Instant::now() + timeout;
        loop {
            if self.sh(script).code == 0 {
                return true;
            }
            if Instant::now() >= end {
                return false;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn open_net_sysctls(mut self) -> Self {
        let pid = docker(
            &["inspect", "-f", "{{.State.Pid}}", &self.name].map(String::from),
            Duration::from_secs(30),
        )
        .map(|o| o.stdout.trim().to_owned())
        .unwrap_or_default();
        if pid.is_empty() || pid == "0" {
            return self;
        }
        let nsenter = |extra: &[&str]| {
            let mut c = Command::new("nsenter");
            c.args(["-t", &pid, "-m", "mount"]).args(extra);
            bounded(&mut c, Duration::from_secs(30)).is_ok_and(|o| o.code == 0)
        };
        self.net_sysctls = nsenter(&["--bind", "/proc/sys/net", "/proc/sys/net"])
            && nsenter(&["-o", "remount,bind,rw", "/proc/sys/net"]);
        self
    }

    fn wait_booted(&self, timeout: Duration) -> Result<(), Unavailable> {
        let end = Instant::now() + timeout;
        let mut last = String::new();
        while Instant::now() < end {
            let out =
                self.exec_timeout(&["systemctl", "is-system-running"], Duration::from_secs(20));
            last = out.stdout.trim().to_owned();
            match last.as_str() {
                "running" | "degraded" => return Ok(()),
                _ => std::thread::sleep(Duration::from_millis(100)),
            }
        }
        let logs = docker(&["logs".into(), self.name.clone()], Duration::from_secs(20))
            .map(|o| o.stdout + &o.stderr)
            .unwrap_or_default();
        Err(Unavailable(format!(
            "systemd in {} did not finish booting in {timeout:?} (last state '{last}'); log:\n{}",
            self.name,
            crate::tail(&logs, 30)
        )))
    }
}

impl Drop for Host {
    fn drop(&mut self) {
        let _ = docker(
            &["rm".into(), "-f".into(), "-v".into(), self.name.clone()],
            Duration::from_secs(60),
        );
    }
}

/// A docker bridge network a test makes for its own hosts (removed on
/// drop): the host side is its gateway address, so a master on the host
/// listens there and the containers reach it.
#[derive(Debug)]
pub struct Network {
    name: String,
    gateway: String,
}

impl Network {
    /// Creates a fresh bridge network (docker picks a free private subnet).
    pub fn create() -> Result<Network, Unavailable> {
        let name = format!(
            "salt-rs-lab-net-{}-{:04x}",
            std::process::id(),
            fastrand::u16(..)
        );
        let args = [
            "network",
            "create",
            "--driver",
            "bridge",
            "--label",
            "salt-rs-lab=1",
            &name,
        ]
        .map(String::from);
        let out = docker(&args, Duration::from_secs(60))
            .map_err(|e| Unavailable(format!("docker network create failed: {e}")))?;
        if out.code != 0 {
            return Err(Unavailable(format!(
                "docker network create failed: {}",
                out.stderr.trim()
            )));
        }
        let mut net = Network {
            name,
            gateway: String::new(),
        };
        let fmt = "{{range .IPAM.Config}}{{.Gateway}}{{end}}";
        let args = ["network", "inspect", "-f", fmt, &net.name].map(String::from);
        let out = docker(&args, Duration::from_secs(30))
            .map_err(|e| Unavailable(format!("docker network inspect failed: {e}")))?;
        let gateway = out.stdout.trim().to_owned();
        if out.code != 0 || gateway.parse::<std::net::IpAddr>().is_err() {
            return Err(Unavailable(format!(
                "docker network {} has no gateway address ({})",
                net.name,
                out.stderr.trim()
            )));
        }
        net.gateway = gateway;
        Ok(net)
    }

    /// The host's address on this network.
    pub fn gateway(&self) -> &str {
        &self.gateway
    }
}

impl Drop for Network {
    fn drop(&mut self) {
        let _ = docker(
            &["network".into(), "rm".into(), self.name.clone()],
            Duration::from_secs(60),
        );
    }
}

/// Whether docker works and `image` exists; the reason when not.
pub fn docker_ready(image: &str) -> Result<(), Unavailable> {
    let out = docker(
        &["info", "--format", "{{.ServerVersion}}"].map(String::from),
        Duration::from_secs(30),
    )
    .map_err(|e| Unavailable(format!("cannot run docker: {e}")))?;
    if out.code != 0 {
        return Err(Unavailable(format!(
            "the docker daemon does not answer: {}",
            out.stderr.trim()
        )));
    }
    let out = docker(
        &["image", "inspect", "-f", "{{.Id}}", image].map(String::from),
        Duration::from_secs(30),
    )
    .map_err(|e| Unavailable(format!("cannot run docker: {e}")))?;
    if out.code != 0 {
        return Err(Unavailable(format!(
            "image {image} is not built (run scripts/lab-image.sh{} as root)",
            if image == SALT_IMAGE { " salt" } else { "" }
        )));
    }
    Ok(())
}

/// The `docker run` flags that boot systemd here (see the module docs).
pub fn run_flags() -> Vec<String> {
    if let Ok(flags) = std::env::var("SALT_RS_LAB_RUN_FLAGS") {
        return flags.split_whitespace().map(String::from).collect();
    }
    let mut f: Vec<String> = [
        "--network",
        "none",
        "--cap-add",
        "NET_ADMIN",
        "--tmpfs",
        "/run",
        "--tmpfs",
        "/run/lock",
        "--tmpfs",
        "/tmp",
    ]
    .map(String::from)
    .to_vec();
    if cgroup_v2() {
        f.extend(["--cgroupns=private", "--privileged"].map(String::from));
    } else {
        f.extend(["-v", "/sys/fs/cgroup:/sys/fs/cgroup:ro"].map(String::from));
    }
    f
}

/// A unified (cgroup v2 only) hierarchy at /sys/fs/cgroup.
fn cgroup_v2() -> bool {
    Path::new("/sys/fs/cgroup/cgroup.controllers").exists()
}

fn absolute(p: &Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

fn docker(args: &[String], timeout: Duration) -> Result<Output, String> {
    let mut c = Command::new("docker");
    c.args(args);
    bounded(&mut c, timeout)
}

fn docker_stdin(args: &[String], input: &[u8], timeout: Duration) -> Result<Output, String> {
    let mut c = Command::new("docker");
    c.args(args);
    run_with_input(&mut c, Some(input), timeout)
}

/// Runs `cmd` with output captured; killed after `timeout` (code -1).
fn bounded(cmd: &mut Command, timeout: Duration) -> Result<Output, String> {
    run_with_input(cmd, None, timeout)
}

fn run_with_input(
    cmd: &mut Command,
    input: Option<&[u8]>,
    timeout: Duration,
) -> Result<Output, String> {
    let mut child = cmd
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("{}: {e}", cmd.get_program().to_string_lossy()))?;
    if let (Some(bytes), Some(mut stdin)) = (input, child.stdin.take()) {
        let _ = stdin.write_all(bytes);
    }
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    let out = match rx.recv_timeout(timeout) {
        Ok(r) => r.map_err(|e| e.to_string())?,
        Err(_) => {
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
            let out = rx
                .recv()
                .map_err(|e| e.to_string())?
                .map_err(|e| e.to_string())?;
            return Ok(Output {
                stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
                stderr: format!(
                    "{}\n(killed after {timeout:?})",
                    String::from_utf8_lossy(&out.stderr)
                ),
                code: -1,
            });
        }
    };
    Ok(Output {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        code: out.status.code().unwrap_or(-1),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unavailable_names_the_reason() {
        let u = Unavailable("image x is not built".into());
        assert_eq!(u.to_string(), "docker not available: image x is not built");
    }

    #[test]
    fn run_flags_keep_the_network_off() {
        if std::env::var_os("SALT_RS_LAB_RUN_FLAGS").is_none() {
            let f = run_flags();
            assert!(f.windows(2).any(|w| w == ["--network", "none"]), "{f:?}");
        }
    }

    #[test]
    fn bounded_reports_a_missing_program() {
        let e = bounded(
            &mut Command::new("/nonexistent/docker-x"),
            Duration::from_secs(5),
        )
        .unwrap_err();
        assert!(e.contains("/nonexistent/docker-x"), "{e}");
    }

    #[test]
    fn bounded_kills_what_overruns() {
        let mut c = Command::new("sleep");
        c.arg("30");
        let out = bounded(&mut c, Duration::from_millis(200)).unwrap();
        assert_eq!(out.code, -1);
    }
}
