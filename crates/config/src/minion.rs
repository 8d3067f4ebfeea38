//! The minion's settings: Salt's key names and default values, plus the few
//! keys salt-rs adds, the paths derived from them, and how the minion id is
//! chosen.
//!
//! Defaults follow Salt's `DEFAULT_MINION_OPTS` (salt/config/__init__.py),
//! with `.../salt-rs` directories in place of `.../salt`.

use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use salt_types::MinionId;
use serde_json::{Map, Value};

use crate::convert;
use crate::error::ConfigError;
use crate::schema::{Key, key, rooted};
use crate::shared::shared_keys;

/// The values `master_type` may take in Salt. salt-rs implements `str` (and
/// later `failover`); the daemon decides what to do with the others.
pub const MASTER_TYPES: &[&str] = &["str", "failover", "func", "disable"];

/// Settings of `salt-rs-minion`, read from `DIR/minion` and `DIR/minion.d/*.conf`.
#[derive(Debug, Clone)]
pub struct MinionConfig {
    /// The directory the config was read from (`-c DIR`). Not a config key.
    pub config_dir: PathBuf,
    /// `root_dir`: prefixed to every derived path. Default `/`.
    pub root_dir: PathBuf,
    /// `master`: one host or a list (multi-master / failover). Default `[salt]`.
    pub master: Vec<String>,
    /// `master_port`: the master's ret port. Default 4506.
    pub master_port: u16,
    /// `publish_port`: the master's publish port. Default 4505.
    pub publish_port: u16,
    /// `id`: already checked to be a valid [`MinionId`]. Default: see
    /// [`MinionConfig::resolve_id`].
    pub id: Option<String>,
    /// `grains`: static grains merged over the detected ones.
    pub grains: Map<String, Value>,
    /// `acceptance_wait_time`: seconds between tries while the key is
    /// pending. Default 10.
    pub acceptance_wait_time: u64,
    /// `acceptance_wait_time_max`: if non-zero, the wait grows by
    /// `acceptance_wait_time` per try up to this many seconds. Default 0.
    pub acceptance_wait_time_max: u64,
    /// `recon_default`: milliseconds before the first reconnect. Default 1000.
    pub recon_default: u64,
    /// `recon_max`: upper bound of the reconnect back-off, ms. Default 10000.
    pub recon_max: u64,
    /// `recon_randomize`: randomize the reconnect wait between
    /// `recon_default` and `recon_max`. Default true.
    pub recon_randomize: bool,
    /// `master_finger`: expected fingerprint of the master's public key.
    pub master_finger: Option<String>,
    /// `log_level`: lower-case Salt level name. Default `warning`.
    pub log_level: String,
    /// `log_file` as written; see [`MinionConfig::log_path`].
    pub log_file: Option<PathBuf>,
    /// `master_type`: one of [`MASTER_TYPES`]. Default `str`.
    pub master_type: String,
    /// `master_alive_interval`: seconds between checks that the master is
    /// alive (0: off). Default 0.
    pub master_alive_interval: u64,
    /// `master_shuffle`: shuffle the `master` list before use. Default false.
    pub master_shuffle: bool,
    /// `file_roots`, for masterless use later. Default `{base: [/srv/salt]}`.
    pub file_roots: IndexMap<String, Vec<PathBuf>>,
    /// `pillar_roots`, for masterless use later. Default `{base: [/srv/pillar]}`.
    pub pillar_roots: IndexMap<String, Vec<PathBuf>>,
    /// `user`: drop privileges to this user. Default: stay as started.
    pub user: Option<String>,
    /// salt-rs: `heartbeat_interval`, seconds between heartbeats to the
    /// master. Default 5.
    pub heartbeat_interval: u64,
    /// salt-rs: `max_message_size`, largest message in bytes accepted from
    /// the master, checked before decoding. Default 16 MiB.
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
}

impl MinionConfig {
    /// All defaults, as if `config_dir` held no files.
    pub fn defaults(config_dir: &Path) -> Self {
        Self {
            config_dir: config_dir.to_path_buf(),
            root_dir: PathBuf::from("/"),
            master: vec!["salt".to_owned()],
            master_port: 4506,
            publish_port: 4505,
            id: None,
            grains: Map::new(),
            acceptance_wait_time: 10,
            acceptance_wait_time_max: 0,
            recon_default: 1000,
            recon_max: 10000,
            recon_randomize: true,
            master_finger: None,
            log_level: "warning".to_owned(),
            log_file: None,
            master_type: "str".to_owned(),
            master_alive_interval: 0,
            master_shuffle: false,
            file_roots: IndexMap::from([("base".to_owned(), vec![PathBuf::from("/srv/salt")])]),
            pillar_roots: IndexMap::from([("base".to_owned(), vec![PathBuf::from("/srv/pillar")])]),
            user: None,
            heartbeat_interval: 5,
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
        }
    }

    /// Key store: `<root>/etc/salt-rs/pki/minion`.
    pub fn pki_dir(&self) -> PathBuf {
        rooted(&self.root_dir, Path::new("/etc/salt-rs/pki/minion"))
    }

    /// Cache (unacked returns, job state): `<root>/var/cache/salt-rs/minion`.
    pub fn cachedir(&self) -> PathBuf {
        rooted(&self.root_dir, Path::new("/var/cache/salt-rs/minion"))
    }

    /// What execution functions and templates see as Salt's `__opts__` /
    /// `opts`: the settings a state tree may read, under Salt's names.
    pub fn opts(&self, id: &str) -> Map<String, Value> {
        let mut o = Map::new();
        let mut put = |k: &str, v: Value| {
            o.insert(k.to_owned(), v);
        };
        put("id", Value::from(id));
        put("root_dir", Value::from(self.root_dir.display().to_string()));
        put(
            "cachedir",
            Value::from(self.cachedir().display().to_string()),
        );
        put("pki_dir", Value::from(self.pki_dir().display().to_string()));
        put(
            "master",
            match self.master.as_slice() {
                [one] => Value::from(one.clone()),
                many => Value::from(many.to_vec()),
            },
        );
        put("master_port", Value::from(self.master_port));
        put("master_type", Value::from(self.master_type.clone()));
        put("renderer", Value::from(self.renderer.clone()));
        put("state_top", Value::from(self.state_top.clone()));
        put("test", Value::Bool(false));
        put(
            "file_roots",
            serde_json::to_value(&self.file_roots).unwrap_or(Value::Null),
        );
        put(
            "pillar_roots",
            serde_json::to_value(&self.pillar_roots).unwrap_or(Value::Null),
        );
        put("grains", Value::Object(self.grains.clone()));
        o
    }

    /// Log file: `log_file` under root, default `<root>/var/log/salt-rs/minion`.
    pub fn log_path(&self) -> PathBuf {
        crate::shared::log_path(&self.root_dir, self.log_file.as_deref(), "minion")
    }

    /// Where a generated id is cached: `<config_dir>/minion_id`.
    pub fn minion_id_path(&self) -> PathBuf {
        self.config_dir.join("minion_id")
    }

    /// The minion id: `id` from the config, else the id cached in
    /// `<config_dir>/minion_id`, else `fqdn()` (trimmed), which is then
    /// written to that file so the id stays the same when the host name
    /// changes, as Salt does. `fqdn` is only called when needed.
    ///
    /// Failing to write the cache is logged and not an error (Salt carries
    /// on too); an unreadable cache file or an invalid id is an error.
    pub fn resolve_id(&self, fqdn: impl FnOnce() -> String) -> Result<MinionId, ConfigError> {
        if let Some(id) = &self.id {
            return MinionId::parse(id).map_err(|error| ConfigError::InvalidId {
                origin: "the 'id' key".to_owned(),
                error,
            });
        }

        let cache = self.minion_id_path();
        match fs::read_to_string(&cache) {
            Ok(text) if !text.trim().is_empty() => {
                return MinionId::parse(text.trim()).map_err(|error| ConfigError::InvalidId {
                    origin: cache.display().to_string(),
                    error,
                });
            }
            Ok(_) => {}
            Err(e) if e.kind() == ErrorKind::NotFound => {}
            Err(source) => {
                return Err(ConfigError::Io {
                    path: cache,
                    source,
                });
            }
        }

        let name = fqdn();
        let id = MinionId::parse(name.trim()).map_err(|error| ConfigError::InvalidId {
            origin: "the host's FQDN".to_owned(),
            error,
        })?;
        if let Err(e) = write_cache(&cache, id.as_str()) {
            tracing::warn!(path = %cache.display(), error = %e, "could not cache the minion id");
        }
        Ok(id)
    }
}

impl Default for MinionConfig {
    /// Defaults with the default config directory `/etc/salt-rs`.
    fn default() -> Self {
        Self::defaults(Path::new(crate::DEFAULT_CONFIG_DIR))
    }
}

/// Every key the minion reads.
pub(crate) fn keys() -> Vec<Key<MinionConfig>> {
    let mut keys: Vec<Key<MinionConfig>> = vec![
        key!("root_dir", root_dir, crate::root_dir),
        key!("master", master, convert::string_or_list),
        key!("master_port", master_port, convert::port),
        key!("publish_port", publish_port, convert::port),
        key!("id", id, |v| {
            let id = convert::string(v)?;
            MinionId::parse(&id).map_err(|e| e.to_string())?;
            Ok::<_, String>(Some(id))
        }),
        key!("grains", grains, convert::mapping),
        key!("acceptance_wait_time", acceptance_wait_time, convert::uint),
        key!(
            "acceptance_wait_time_max",
            acceptance_wait_time_max,
            convert::uint
        ),
        key!("recon_default", recon_default, convert::uint),
        key!("recon_max", recon_max, convert::uint),
        key!("recon_randomize", recon_randomize, convert::boolean),
        key!("master_finger", master_finger, |v| convert::string(v)
            .map(Some)),
        key!("master_type", master_type, |v| convert::one_of(
            v,
            MASTER_TYPES
        )),
        key!(
            "master_alive_interval",
            master_alive_interval,
            convert::uint
        ),
        key!("master_shuffle", master_shuffle, convert::boolean),
    ];
    keys.extend(shared_keys!(MinionConfig));
    keys
}

/// Writes the id cache through a temporary file so a crash never leaves a
/// half-written id. Like Salt, the file holds the bare id.
fn write_cache(path: &Path, id: &str) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("tmp");
    fs::write(&tmp, id)?;
    fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_paths() {
        let mut c = MinionConfig::defaults(Path::new("/etc/x"));
        assert_eq!(c.pki_dir(), PathBuf::from("/etc/salt-rs/pki/minion"));
        assert_eq!(c.cachedir(), PathBuf::from("/var/cache/salt-rs/minion"));
        assert_eq!(c.log_path(), PathBuf::from("/var/log/salt-rs/minion"));
        assert_eq!(c.minion_id_path(), PathBuf::from("/etc/x/minion_id"));
        c.root_dir = PathBuf::from("/tmp/x");
        assert_eq!(c.pki_dir(), PathBuf::from("/tmp/x/etc/salt-rs/pki/minion"));
        assert_eq!(
            c.cachedir(),
            PathBuf::from("/tmp/x/var/cache/salt-rs/minion")
        );
        assert_eq!(c.log_path(), PathBuf::from("/tmp/x/var/log/salt-rs/minion"));
    }

    #[test]
    fn resolve_id_caches_the_fqdn_and_config_id_wins() {
        let dir = tempfile::tempdir().unwrap();
        let mut c = MinionConfig::defaults(dir.path());

        let id = c.resolve_id(|| " web1.example.com\n".to_owned()).unwrap();
        assert_eq!(id.as_str(), "web1.example.com");
        assert_eq!(
            fs::read_to_string(dir.path().join("minion_id")).unwrap(),
            "web1.example.com"
        );

        // Second call reads the cache; the host name is not asked again.
        let id = c
            .resolve_id(|| panic!("fqdn must not be consulted when cached"))
            .unwrap();
        assert_eq!(id.as_str(), "web1.example.com");

        // The config id wins over the cache.
        c.id = Some("from-config".to_owned());
        let id = c.resolve_id(|| panic!("not needed")).unwrap();
        assert_eq!(id.as_str(), "from-config");
    }

    #[test]
    fn resolve_id_rejects_bad_ids() {
        let dir = tempfile::tempdir().unwrap();
        let mut c = MinionConfig::defaults(dir.path());
        let err = c.resolve_id(|| "bad/name".to_owned()).unwrap_err();
        assert!(matches!(err, ConfigError::InvalidId { .. }), "{err}");
        assert!(err.to_string().contains("the host's FQDN"), "{err}");
        assert!(!dir.path().join("minion_id").exists());

        fs::write(dir.path().join("minion_id"), "../etc\n").unwrap();
        let err = c.resolve_id(|| "ok".to_owned()).unwrap_err();
        assert!(err.to_string().contains("minion_id"), "{err}");

        c.id = Some("a b".to_owned());
        assert!(c.resolve_id(|| "ok".to_owned()).is_err());
    }

    #[test]
    fn empty_cache_file_is_regenerated() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("minion_id"), "\n").unwrap();
        let c = MinionConfig::defaults(dir.path());
        assert_eq!(c.resolve_id(|| "m1".to_owned()).unwrap().as_str(), "m1");
        assert_eq!(
            fs::read_to_string(dir.path().join("minion_id")).unwrap(),
            "m1"
        );
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
