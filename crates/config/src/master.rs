//! The master's settings: Salt's key names and default values, plus the few
//! keys salt-rs adds, and the paths derived from them.
//!
//! Defaults follow Salt's `DEFAULT_MASTER_OPTS` (salt/config/__init__.py);
//! the salt-rs directories replace `/etc/salt`, `/var/cache/salt` and so on
//! with `.../salt-rs`. Paths the daemon writes to are derived by methods, each
//! prefixed with `root_dir` the way Salt prefixes them.

use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use serde_json::Value;

use crate::convert;
use crate::schema::{Key, key, rooted};
use crate::shared::{log_path, shared_keys};

/// Settings of `salt-rs-master`, read from `DIR/master` and `DIR/master.d/*.conf`.
#[derive(Debug, Clone)]
pub struct MasterConfig {
    /// The directory the config was read from (`-c DIR`). Not a config key.
    pub config_dir: PathBuf,
    /// `root_dir`: prefixed to every derived path. Default `/`.
    pub root_dir: PathBuf,
    /// `interface`: address to bind both ports on. Default `0.0.0.0`.
    pub interface: String,
    /// `publish_port`: where minions subscribe to jobs. Default 4505.
    pub publish_port: u16,
    /// `ret_port`: where minions authenticate and return. Default 4506.
    pub ret_port: u16,
    /// `auto_accept`: accept every new minion key. Default false.
    pub auto_accept: bool,
    /// `autosign_file` as written (unprefixed); see
    /// [`MasterConfig::autosign_path`] for the file actually read.
    pub autosign_file: Option<PathBuf>,
    /// `autoreject_file` as written (unprefixed); see
    /// [`MasterConfig::autoreject_path`].
    pub autoreject_file: Option<PathBuf>,
    /// `nodegroups`: name to a compound target string or a list of ids.
    pub nodegroups: IndexMap<String, Value>,
    /// `timeout`: seconds the CLI waits for returns. Default 5.
    pub timeout: u64,
    /// `gather_job_timeout`: seconds to wait for answers to
    /// `saltutil.find_job`. Default 10.
    pub gather_job_timeout: u64,
    /// `keep_jobs`: hours the job cache keeps jobs. Default 24.
    pub keep_jobs: u64,
    /// `log_level`: lower-case Salt level name. Default `warning`.
    pub log_level: String,
    /// `log_file` as written; see [`MasterConfig::log_path`].
    pub log_file: Option<PathBuf>,
    /// `file_roots`: saltenv to directories. Default `{base: [/srv/salt]}`.
    pub file_roots: IndexMap<String, Vec<PathBuf>>,
    /// `pillar_roots`: saltenv to directories. Default `{base: [/srv/pillar]}`.
    pub pillar_roots: IndexMap<String, Vec<PathBuf>>,
    /// `user`: drop privileges to this user. Default: stay as started.
    pub user: Option<String>,
    /// salt-rs: `heartbeat_interval`, seconds between the heartbeats minions
    /// send; a minion that misses 3 in a row is taken as down. Default 5.
    pub heartbeat_interval: u64,
    /// salt-rs: `job_expiry`, seconds a published job stays valid; a minion
    /// refuses a publication older than this (it guards against replay and
    /// against running stale jobs after a long disconnect). Default 3600.
    pub job_expiry: u64,
    /// salt-rs: `max_message_size`, largest message in bytes accepted on
    /// either port, checked before decoding. Default 16 MiB.
    pub max_message_size: usize,
    /// `state_output`: the highstate outputter's layout (full, terse,
    /// mixed, changes, filter; `_id` variants). Default full.
    pub state_output: Option<String>,
    /// `pillar_source_merging_strategy`: smart (default), recurse,
    /// aggregate, overwrite, list or none.
    pub pillar_source_merging_strategy: String,
    /// `pillar_merge_lists`: lists from several pillar files merge instead
    /// of replacing each other. Default false.
    pub pillar_merge_lists: bool,
    /// `pillar_includes_override_sls`: included pillar files win over the
    /// including one. Default false.
    pub pillar_includes_override_sls: bool,
    /// `pillar_safe_render_error`: a pillar render error reaches the minion
    /// only as "Rendering SLS 'x' failed. Please see master log for
    /// details." Default true.
    pub pillar_safe_render_error: bool,
    /// `pillarenv`: the only pillar environment read. Default: all.
    pub pillarenv: Option<String>,
    /// `pillarenv_from_saltenv`: a run's saltenv is its pillarenv.
    pub pillarenv_from_saltenv: bool,
    /// `state_top`: the top file's name. Default `top.sls`.
    pub state_top: String,
    /// `renderer`: the pipe for SLS files without a `#!` line. Default
    /// `jinja|yaml`.
    pub renderer: String,
    /// `state_verbose`: `False` hides states that succeeded without
    /// changes. Default true.
    pub state_verbose: Option<bool>,
    /// `state_output_diff`: show only states that changed. Default false.
    pub state_output_diff: Option<bool>,
    /// `state_output_profile`: the `Started:`/`Duration:` lines and the
    /// total run time. Default true.
    pub state_output_profile: Option<bool>,
    /// `state_output_pct`: success and failure percentages in the summary.
    /// Default false.
    pub state_output_pct: Option<bool>,
    /// `state_compress_ids`: one block per ID and result for states with
    /// several names. Default false.
    pub state_compress_ids: Option<bool>,
    /// `state_tabular`: terse lines as aligned columns or in a format
    /// string. Default off.
    pub state_tabular: Option<crate::StateTabular>,
    /// `state_output_exclude`: results (`True`, `False`, `None`) whose
    /// states `--state-output=filter` hides.
    pub state_output_exclude: Option<Vec<String>>,
    /// `state_output_terse`: results whose states `filter` prints as terse
    /// lines.
    pub state_output_terse: Option<Vec<String>>,
    /// salt-rs: `publish_key_rotation_stagger_ms`, milliseconds between the
    /// per-minion messages that hand out a new publish key, so a rotation does
    /// not burst to every minion at once. Default 5.
    pub publish_key_rotation_stagger_ms: u64,
}

impl MasterConfig {
    /// All defaults, as if `config_dir` held no files.
    pub fn defaults(config_dir: &Path) -> Self {
        Self {
            config_dir: config_dir.to_path_buf(),
            root_dir: PathBuf::from("/"),
            interface: "0.0.0.0".to_owned(),
            publish_port: 4505,
            ret_port: 4506,
            auto_accept: false,
            autosign_file: None,
            autoreject_file: None,
            nodegroups: IndexMap::new(),
            timeout: 5,
            gather_job_timeout: 10,
            keep_jobs: 24,
            log_level: "warning".to_owned(),
            log_file: None,
            file_roots: IndexMap::from([("base".to_owned(), vec![PathBuf::from("/srv/salt")])]),
            pillar_roots: IndexMap::from([("base".to_owned(), vec![PathBuf::from("/srv/pillar")])]),
            user: None,
            heartbeat_interval: 5,
            job_expiry: 3600,
            max_message_size: crate::DEFAULT_MAX_MESSAGE_SIZE,
            state_output: None,
            pillar_source_merging_strategy: "smart".to_owned(),
            pillar_merge_lists: false,
            pillar_includes_override_sls: false,
            pillar_safe_render_error: true,
            pillarenv: None,
            pillarenv_from_saltenv: false,
            state_top: "top.sls".to_owned(),
            renderer: "jinja|yaml".to_owned(),
            state_verbose: None,
            state_output_diff: None,
            state_output_profile: None,
            state_output_pct: None,
            state_compress_ids: None,
            state_tabular: None,
            state_output_exclude: None,
            state_output_terse: None,
            publish_key_rotation_stagger_ms: 5,
        }
    }

    /// Key store: `<root>/etc/salt-rs/pki/master`.
    pub fn pki_dir(&self) -> PathBuf {
        rooted(&self.root_dir, Path::new("/etc/salt-rs/pki/master"))
    }

    /// Job cache and other state: `<root>/var/cache/salt-rs/master`.
    pub fn cachedir(&self) -> PathBuf {
        rooted(&self.root_dir, Path::new("/var/cache/salt-rs/master"))
    }

    /// Local socket the CLI talks to: `<root>/run/salt-rs/master.sock`.
    pub fn sock_path(&self) -> PathBuf {
        rooted(&self.root_dir, Path::new("/run/salt-rs/master.sock"))
    }

    /// Log file: `log_file` under root, default
    /// `<root>/var/log/salt-rs/master`. A `log_file` with a URL scheme
    /// (`udp://...`) is returned unchanged, as Salt leaves it.
    pub fn log_path(&self) -> PathBuf {
        log_path(&self.root_dir, self.log_file.as_deref(), "master")
    }

    /// File of minion ids/globs to accept automatically: `autosign_file`
    /// under root, default `<root>/etc/salt-rs/autosign.conf` (Salt's
    /// default is `/etc/salt/autosign.conf`, independent of `-c`).
    pub fn autosign_path(&self) -> PathBuf {
        rooted(
            &self.root_dir,
            self.autosign_file
                .as_deref()
                .unwrap_or(Path::new("/etc/salt-rs/autosign.conf")),
        )
    }

    /// File of minion ids/globs to reject automatically: `autoreject_file`
    /// under root, default `<root>/etc/salt-rs/autoreject.conf`.
    pub fn autoreject_path(&self) -> PathBuf {
        rooted(
            &self.root_dir,
            self.autoreject_file
                .as_deref()
                .unwrap_or(Path::new("/etc/salt-rs/autoreject.conf")),
        )
    }
}

impl Default for MasterConfig {
    /// Defaults with the default config directory `/etc/salt-rs`.
    fn default() -> Self {
        Self::defaults(Path::new(crate::DEFAULT_CONFIG_DIR))
    }
}

/// Every key the master reads.
pub(crate) fn keys() -> Vec<Key<MasterConfig>> {
    let mut keys: Vec<Key<MasterConfig>> = vec![
        key!("root_dir", root_dir, crate::root_dir),
        key!("interface", interface, convert::string),
        key!("publish_port", publish_port, convert::port),
        key!("ret_port", ret_port, convert::port),
        key!("auto_accept", auto_accept, convert::boolean),
        key!("autosign_file", autosign_file, |v| convert::path(v)
            .map(Some)),
        key!("autoreject_file", autoreject_file, |v| convert::path(v)
            .map(Some)),
        key!("nodegroups", nodegroups, convert::nodegroups),
        key!("timeout", timeout, convert::uint),
        key!("gather_job_timeout", gather_job_timeout, convert::uint),
        key!("keep_jobs", keep_jobs, convert::uint),
        key!("job_expiry", job_expiry, convert::positive),
        key!(
            "publish_key_rotation_stagger_ms",
            publish_key_rotation_stagger_ms,
            convert::uint
        ),
    ];
    keys.extend(shared_keys!(MasterConfig));
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_paths_with_default_root() {
        let c = MasterConfig::default();
        assert_eq!(c.config_dir, PathBuf::from("/etc/salt-rs"));
        assert_eq!(c.pki_dir(), PathBuf::from("/etc/salt-rs/pki/master"));
        assert_eq!(c.cachedir(), PathBuf::from("/var/cache/salt-rs/master"));
        assert_eq!(c.sock_path(), PathBuf::from("/run/salt-rs/master.sock"));
        assert_eq!(c.log_path(), PathBuf::from("/var/log/salt-rs/master"));
        assert_eq!(
            c.autosign_path(),
            PathBuf::from("/etc/salt-rs/autosign.conf")
        );
        assert_eq!(
            c.autoreject_path(),
            PathBuf::from("/etc/salt-rs/autoreject.conf")
        );
    }

    #[test]
    fn derived_paths_under_root_dir() {
        let mut c = MasterConfig {
            root_dir: PathBuf::from("/tmp/x"),
            ..MasterConfig::default()
        };
        assert_eq!(c.pki_dir(), PathBuf::from("/tmp/x/etc/salt-rs/pki/master"));
        assert_eq!(
            c.cachedir(),
            PathBuf::from("/tmp/x/var/cache/salt-rs/master")
        );
        assert_eq!(
            c.sock_path(),
            PathBuf::from("/tmp/x/run/salt-rs/master.sock")
        );
        assert_eq!(c.log_path(), PathBuf::from("/tmp/x/var/log/salt-rs/master"));
        c.log_file = Some(PathBuf::from("/var/log/m.log"));
        assert_eq!(c.log_path(), PathBuf::from("/tmp/x/var/log/m.log"));
        c.log_file = Some(PathBuf::from("/tmp/x/logs/m.log"));
        assert_eq!(c.log_path(), PathBuf::from("/tmp/x/logs/m.log"));
        c.log_file = Some(PathBuf::from("udp://loghost:514"));
        assert_eq!(c.log_path(), PathBuf::from("udp://loghost:514"));
        c.autosign_file = Some(PathBuf::from("/etc/auto"));
        assert_eq!(c.autosign_path(), PathBuf::from("/tmp/x/etc/auto"));
    }

    #[test]
    fn key_names_are_unique() {
        let keys = keys();
        let mut names: Vec<_> = keys.iter().map(|k| k.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), keys.len());
    }
}
