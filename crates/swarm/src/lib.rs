//! `salt-rs-swarm`: runs many minions in one process against one master, to
//! measure fleet behaviour (time until a fleet is up, re-authentication
//! storms after a master restart, the master's memory with many peers).
//!
//! Each instance is the real minion ([`salt_minion::run_with`]) with its own
//! [`MinionConfig`]: `root_dir` `<root>/<id>`, id `<prefix><n>`, so its own
//! key pair, pinned master key and jid log, and its own DEALER and SUB
//! connections over real TCP sockets. Nothing is shared between instances
//! except the process, the grains detected once at start, and the
//! [`salt_minion::Stats`] counters used for the status line.
//!
//! Practicalities:
//!
//! * **File descriptors.** salt-transport puts a frame guard in front of
//!   every zeromq socket; on the minion side that is a loopback listener,
//!   the accepted zeromq connection, zeromq's own connection to it, and the
//!   connection to the master: 4 descriptors per connection, 8 per minion
//!   (DEALER + SUB; measured, also after master restarts), budgeted as 10. The soft `RLIMIT_NOFILE`
//!   is raised to the hard limit at start ([`raise_nofile_limit`]) and the
//!   count is checked against it ([`fd_budget`]). Loopback ports: about 3
//!   per connection, so 1,000 minions take ~6,000 of the ~28,000 ephemeral
//!   ports.
//! * **Staggered start.** Instances start `--stagger-ms` apart (default
//!   2 ms), so key generation, the jid log and enrolment do not all land on
//!   the master in the same instant.
//! * **Grains.** Detecting grains costs ~10 ms per call; they are detected
//!   once and each instance gets a copy with its own `id`, `host`,
//!   `nodename`, `fqdn` and `localhost` ([`minion_grains`]).
//! * **Threads.** The minions run on a multi-thread runtime with two
//!   workers; zeromq runs on salt-transport's own two-worker runtime.
//! * **Shutdown.** SIGINT or SIGTERM cancels every instance and waits a
//!   bounded time for them.
//! * **Logging.** zeromq's own reconnect warnings (expected while the
//!   master restarts, one or two per minion) are filtered out.
//! * **Status.** One line every `--status-interval` seconds: instances
//!   started, authenticated now, sessions established so far (more sessions
//!   than instances means re-authentications), failed instances.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use clap::Parser;
use salt_config::MinionConfig;
use serde_json::{Map, Value};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// File descriptors one minion instance needs (see the crate doc).
pub const FDS_PER_MINION: u64 = 10;
/// Descriptors kept for the process itself (runtime, stdio, logging).
pub const FDS_RESERVED: u64 = 64;

/// Command line of `salt-rs-swarm`.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "salt-rs-swarm",
    about = "Run many salt-rs minions in one process against one master"
)]
pub struct Args {
    /// The master's address.
    #[arg(long, default_value = "127.0.0.1")]
    pub master: String,
    /// The master's ret (request) port.
    #[arg(long, default_value_t = 4506)]
    pub master_port: u16,
    /// The master's publish port.
    #[arg(long, default_value_t = 4505)]
    pub publish_port: u16,
    /// How many minions to run.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub count: u32,
    /// Directory holding one root_dir per minion (`<root>/<id>`).
    #[arg(long)]
    pub root: PathBuf,
    /// Minion ids are `<prefix><n>`, n from 1 to count.
    #[arg(long, default_value = "swarm-")]
    pub prefix: String,
    /// `heartbeat_interval` of every minion, seconds.
    #[arg(long, default_value_t = 5)]
    pub heartbeat_interval: u64,
    /// `acceptance_wait_time` of every minion, seconds.
    #[arg(long, default_value_t = 10)]
    pub acceptance_wait_time: u64,
    /// Milliseconds between starting two instances.
    #[arg(long, default_value_t = 2)]
    pub stagger_ms: u64,
    /// Seconds between two status lines.
    #[arg(long, default_value_t = 5)]
    pub status_interval: u64,
    /// Log level of the minions' logging (to stderr).
    #[arg(long, default_value = "warn")]
    pub log_level: String,
}

/// Why the swarm cannot start.
#[derive(Debug, thiserror::Error)]
pub enum SwarmError {
    #[error("invalid minion id {id:?}: {reason}")]
    InvalidId { id: String, reason: String },
    #[error(
        "{count} minions need about {need} file descriptors but the limit is {limit}; \
         raise the hard limit (ulimit -Hn) or run fewer"
    )]
    TooFewFds { count: u32, need: u64, limit: u64 },
    #[error("cannot create {path}: {source}")]
    Dir {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// The id of instance `n` (1-based).
pub fn minion_id(prefix: &str, n: u32) -> String {
    format!("{prefix}{n}")
}

/// The configuration of instance `n`: all defaults except the master, the
/// ports, the id, `root_dir` `<root>/<id>` and the two intervals.
pub fn minion_config(args: &Args, n: u32) -> Result<MinionConfig, SwarmError> {
    let id = minion_id(&args.prefix, n);
    salt_types_check(&id)?;
    let dir = args.root.join(&id);
    let mut cfg = MinionConfig::defaults(&dir);
    cfg.root_dir = dir;
    cfg.master = vec![args.master.clone()];
    cfg.master_port = args.master_port;
    cfg.publish_port = args.publish_port;
    cfg.id = Some(id);
    cfg.heartbeat_interval = args.heartbeat_interval;
    cfg.acceptance_wait_time = args.acceptance_wait_time;
    cfg.log_level = args.log_level.clone();
    Ok(cfg)
}

/// A copy of `base` with the per-host grains set for minion `id`.
pub fn minion_grains(base: &Map<String, Value>, id: &str) -> Map<String, Value> {
    let mut grains = base.clone();
    for key in ["id", "host", "nodename", "fqdn", "localhost"] {
        grains.insert(key.to_owned(), Value::String(id.to_owned()));
    }
    grains
}

/// Raises the soft `RLIMIT_NOFILE` to the hard limit; returns the new soft
/// limit.
pub fn raise_nofile_limit() -> nix::Result<u64> {
    use nix::sys::resource::{Resource, getrlimit, setrlimit};
    let (soft, hard) = getrlimit(Resource::RLIMIT_NOFILE)?;
    if soft < hard {
        setrlimit(Resource::RLIMIT_NOFILE, hard, hard)?;
    }
    Ok(getrlimit(Resource::RLIMIT_NOFILE)?.0)
}

/// Checks that `count` minions fit in `limit` file descriptors.
pub fn fd_budget(count: u32, limit: u64) -> Result<u64, SwarmError> {
    let need = u64::from(count) * FDS_PER_MINION + FDS_RESERVED;
    if need > limit {
        return Err(SwarmError::TooFewFds { count, need, limit });
    }
    Ok(need)
}

/// The status line.
pub fn status_line(
    elapsed: Duration,
    count: u32,
    stats: &salt_minion::Stats,
    failed: usize,
) -> String {
    let (started, authenticated, sessions) = stats.snapshot();
    format!(
        "t={:.1}s started={started}/{count} authenticated={authenticated} sessions={sessions} failed={failed}",
        elapsed.as_secs_f64()
    )
}

/// Entry point of the binary.
pub fn main() -> ExitCode {
    let args = Args::parse();
    let filter = tracing_subscriber::EnvFilter::try_new(format!(
        "warn,zeromq=error,salt={}",
        args.log_level
    ))
    .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("salt-swarm")
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("salt-rs-swarm: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let stats = Arc::new(salt_minion::Stats::default());
    match runtime.block_on(async { run(args, shutdown_on_signals(), stats).await }) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("salt-rs-swarm: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Runs the swarm until `shutdown` is cancelled; every instance updates
/// `stats`.
pub async fn run(
    args: Args,
    shutdown: CancellationToken,
    stats: Arc<salt_minion::Stats>,
) -> anyhow::Result<()> {
    let limit = raise_nofile_limit()?;
    let need = fd_budget(args.count, limit)?;
    println!(
        "salt-rs-swarm: {} minions against {}:{}/{}, RLIMIT_NOFILE {limit} (need ~{need})",
        args.count, args.master, args.master_port, args.publish_port
    );
    create_dir(&args.root)?;
    let config_dir = args.root.clone();
    let base = tokio::task::spawn_blocking(move || {
        salt_grains::collect(&salt_grains::GrainsOptions {
            id: String::new(),
            config_dir,
            static_grains: Map::new(),
        })
    })
    .await?;

    let failed = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let status = tokio::spawn(report(
        args.clone(),
        stats.clone(),
        failed.clone(),
        started,
        shutdown.clone(),
    ));

    let tracker = TaskTracker::new();
    for n in 1..=args.count {
        if shutdown.is_cancelled() {
            break;
        }
        let cfg = minion_config(&args, n)?;
        create_dir(&cfg.root_dir)?;
        let id = minion_id(&args.prefix, n);
        let hooks = salt_minion::Hooks {
            grains: Some(minion_grains(&base, &id)),
            stats: Some(stats.clone()),
        };
        let (token, failed) = (shutdown.clone(), failed.clone());
        tracker.spawn(async move {
            if let Err(e) = salt_minion::run_with(cfg, token, hooks).await {
                failed.fetch_add(1, Ordering::Relaxed);
                tracing::error!(minion = %id, "minion stopped: {e:#}");
            }
        });
        if args.stagger_ms > 0 {
            tokio::select! {
                _ = shutdown.cancelled() => break,
                _ = tokio::time::sleep(Duration::from_millis(args.stagger_ms)) => {}
            }
        }
    }
    tracker.close();
    shutdown.cancelled().await;
    println!("salt-rs-swarm: shutting down");
    if tokio::time::timeout(Duration::from_secs(20), tracker.wait())
        .await
        .is_err()
    {
        eprintln!(
            "salt-rs-swarm: {} minions still stopping after 20s",
            tracker.len()
        );
    }
    status.abort();
    println!(
        "{}",
        status_line(
            started.elapsed(),
            args.count,
            &stats,
            failed.load(Ordering::Relaxed)
        )
    );
    Ok(())
}

/// Prints the status line every `status_interval` seconds, and once when all
/// instances are authenticated (again).
async fn report(
    args: Args,
    stats: Arc<salt_minion::Stats>,
    failed: Arc<AtomicUsize>,
    started: Instant,
    shutdown: CancellationToken,
) {
    let every = Duration::from_secs(args.status_interval.max(1));
    let mut next = Instant::now() + every;
    let mut all_up = false;
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(Duration::from_millis(100)) => {}
        }
        let up = stats.authenticated.load(Ordering::Relaxed) == args.count as usize;
        if up && !all_up {
            println!(
                "all {} authenticated: {}",
                args.count,
                status_line(
                    started.elapsed(),
                    args.count,
                    &stats,
                    failed.load(Ordering::Relaxed)
                )
            );
        }
        all_up = up;
        if Instant::now() >= next {
            next += every;
            println!(
                "{}",
                status_line(
                    started.elapsed(),
                    args.count,
                    &stats,
                    failed.load(Ordering::Relaxed)
                )
            );
        }
    }
}

fn create_dir(path: &Path) -> Result<(), SwarmError> {
    std::fs::create_dir_all(path).map_err(|source| SwarmError::Dir {
        path: path.to_path_buf(),
        source,
    })
}

/// Checks the id the way the minion will, so a bad `--prefix` fails at
/// once instead of in every instance.
fn salt_types_check(id: &str) -> Result<(), SwarmError> {
    let mut probe = MinionConfig::defaults(Path::new("/nonexistent"));
    probe.id = Some(id.to_owned());
    probe
        .resolve_id(String::new)
        .map(|_| ())
        .map_err(|e| SwarmError::InvalidId {
            id: id.to_owned(),
            reason: e.to_string(),
        })
}

/// Cancelled on SIGINT or SIGTERM.
fn shutdown_on_signals() -> CancellationToken {
    let token = CancellationToken::new();
    let t = token.clone();
    tokio::spawn(async move {
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut int), Ok(mut term)) = (
            signal(SignalKind::interrupt()),
            signal(SignalKind::terminate()),
        ) else {
            tracing::error!("cannot install signal handlers");
            return;
        };
        tokio::select! {
            _ = int.recv() => {}
            _ = term.recv() => {}
        }
        t.cancel();
    });
    token
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(extra: &[&str]) -> Args {
        let mut argv = vec!["salt-rs-swarm", "--count", "3", "--root", "/tmp/sw"];
        argv.extend_from_slice(extra);
        Args::try_parse_from(argv).unwrap()
    }

    #[test]
    fn defaults_match_the_documented_command_line() {
        let a = parse(&[]);
        assert_eq!(a.master, "127.0.0.1");
        assert_eq!((a.master_port, a.publish_port), (4506, 4505));
        assert_eq!(a.prefix, "swarm-");
        assert_eq!((a.heartbeat_interval, a.acceptance_wait_time), (5, 10));
        assert_eq!(a.stagger_ms, 2);
    }

    #[test]
    fn count_and_root_are_required_and_count_is_positive() {
        assert!(Args::try_parse_from(["salt-rs-swarm", "--root", "/x"]).is_err());
        assert!(Args::try_parse_from(["salt-rs-swarm", "--count", "2"]).is_err());
        assert!(Args::try_parse_from(["salt-rs-swarm", "--count", "0", "--root", "/x"]).is_err());
    }

    #[test]
    fn each_instance_gets_its_own_root_id_and_keys() {
        let a = parse(&[
            "--master",
            "10.0.0.1",
            "--master-port",
            "1",
            "--publish-port",
            "2",
            "--prefix",
            "m",
            "--heartbeat-interval",
            "7",
            "--acceptance-wait-time",
            "3",
        ]);
        let c1 = minion_config(&a, 1).unwrap();
        let c2 = minion_config(&a, 2).unwrap();
        assert_eq!(c1.id.as_deref(), Some("m1"));
        assert_eq!(c1.root_dir, PathBuf::from("/tmp/sw/m1"));
        assert_eq!(c1.config_dir, PathBuf::from("/tmp/sw/m1"));
        assert_eq!(
            c1.pki_dir(),
            PathBuf::from("/tmp/sw/m1/etc/salt-rs/pki/minion")
        );
        assert_ne!(c1.pki_dir(), c2.pki_dir());
        assert_ne!(c1.cachedir(), c2.cachedir());
        assert_eq!(c1.master, vec!["10.0.0.1".to_owned()]);
        assert_eq!((c1.master_port, c1.publish_port), (1, 2));
        assert_eq!((c1.heartbeat_interval, c1.acceptance_wait_time), (7, 3));
    }

    #[test]
    fn a_prefix_that_makes_an_invalid_id_is_refused() {
        let a = parse(&["--prefix", "bad/../"]);
        assert!(matches!(
            minion_config(&a, 1),
            Err(SwarmError::InvalidId { .. })
        ));
    }

    #[test]
    fn grains_are_per_minion_and_keep_the_rest() {
        let mut base = Map::new();
        base.insert("os".into(), Value::from("Linux"));
        base.insert("id".into(), Value::from("real-host"));
        let g = minion_grains(&base, "swarm-9");
        assert_eq!(g["id"], "swarm-9");
        assert_eq!(g["host"], "swarm-9");
        assert_eq!(g["fqdn"], "swarm-9");
        assert_eq!(g["os"], "Linux");
    }

    #[test]
    fn fd_budget_refuses_what_does_not_fit() {
        assert!(fd_budget(1000, 20_000).is_ok());
        assert!(matches!(
            fd_budget(1000, 1024),
            Err(SwarmError::TooFewFds { need: 10_064, .. })
        ));
    }

    #[test]
    fn raising_the_limit_reaches_the_hard_limit() {
        let soft = raise_nofile_limit().unwrap();
        let (_, hard) =
            nix::sys::resource::getrlimit(nix::sys::resource::Resource::RLIMIT_NOFILE).unwrap();
        assert_eq!(soft, hard);
    }

    #[test]
    fn status_counts_started_and_authenticated() {
        let stats = salt_minion::Stats::default();
        stats.started.store(3, Ordering::Relaxed);
        stats.authenticated.store(2, Ordering::Relaxed);
        stats.sessions.store(5, Ordering::Relaxed);
        let line = status_line(Duration::from_millis(1500), 3, &stats, 1);
        assert_eq!(
            line,
            "t=1.5s started=3/3 authenticated=2 sessions=5 failed=1"
        );
    }
}
