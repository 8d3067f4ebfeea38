//! Loading real files from a temporary config directory: defaults, every
//! key, errors with file:line, warnings, and `<name>.d/*.conf` merging.

use std::fs;
use std::path::{Path, PathBuf};

use salt_config::{ConfigError, load_master, load_minion};
use serde_json::json;

fn dir_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let path = dir.path().join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }
    dir
}

fn roots(env: &str, dirs: &[&str]) -> indexmap::IndexMap<String, Vec<PathBuf>> {
    indexmap::IndexMap::from([(env.to_owned(), dirs.iter().map(PathBuf::from).collect())])
}

#[test]
fn missing_dir_gives_master_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let cfg_dir = dir.path().join("nothing-here");
    let loaded = load_master(&cfg_dir).unwrap();
    assert!(loaded.warnings.is_empty());
    let c = loaded.config;
    assert_eq!(c.config_dir, cfg_dir);
    assert_eq!(c.root_dir, PathBuf::from("/"));
    assert_eq!(c.interface, "0.0.0.0");
    assert_eq!((c.publish_port, c.ret_port), (4505, 4506));
    assert!(!c.auto_accept);
    assert_eq!(
        (c.autosign_file.clone(), c.autoreject_file.clone()),
        (None, None)
    );
    assert!(c.nodegroups.is_empty());
    assert_eq!((c.timeout, c.gather_job_timeout, c.keep_jobs), (5, 10, 24));
    assert_eq!(c.log_level, "warning");
    assert_eq!(c.log_file, None);
    assert_eq!(c.file_roots, roots("base", &["/srv/salt"]));
    assert_eq!(c.pillar_roots, roots("base", &["/srv/pillar"]));
    assert_eq!(c.user, None);
    assert_eq!(c.heartbeat_interval, 5);
    assert_eq!(c.job_expiry, 3600);
    assert_eq!(c.max_message_size, 16 * 1024 * 1024);
    assert_eq!(c.publish_key_rotation_stagger_ms, 5);
    assert_eq!(c.pki_dir(), PathBuf::from("/etc/salt-rs/pki/master"));
}

#[test]
fn empty_and_null_files_give_minion_defaults() {
    for text in ["", "~\n", "# all commented out\n#master: x\n"] {
        let dir = dir_with(&[("minion", text)]);
        let loaded = load_minion(dir.path()).unwrap();
        assert!(loaded.warnings.is_empty());
        let c = loaded.config;
        assert_eq!(c.master, ["salt"]);
        assert_eq!((c.master_port, c.publish_port), (4506, 4505));
        assert_eq!(c.id, None);
        assert!(c.grains.is_empty());
        assert_eq!(
            (c.acceptance_wait_time, c.acceptance_wait_time_max),
            (10, 0)
        );
        assert_eq!(
            (c.recon_default, c.recon_max, c.recon_randomize),
            (1000, 10000, true)
        );
        assert_eq!(c.master_finger, None);
        assert_eq!(c.log_level, "warning");
        assert_eq!(c.master_type, "str");
        assert_eq!((c.master_alive_interval, c.master_shuffle), (0, false));
        assert_eq!(c.file_roots, roots("base", &["/srv/salt"]));
        assert_eq!(c.heartbeat_interval, 5);
        assert_eq!(c.max_message_size, 16 * 1024 * 1024);
    }
}

#[test]
fn every_master_key_is_read() {
    let text = "\
root_dir: /tmp/x
interface: 127.0.0.1
publish_port: 14505
ret_port: '14506'
auto_accept: yes
autosign_file: /etc/auto.conf
autoreject_file: /etc/reject.conf
nodegroups:
  web: 'G@role:web or L@a,b'
  db:
    - db1
    - db2
timeout: 7
gather_job_timeout: 11
keep_jobs: 48
log_level: DEBUG
log_file: /var/log/m.log
file_roots:
  base:
    - /srv/a
    - /srv/b
  dev: [/srv/dev]
pillar_roots:
  base: [/srv/p]
user: salt
heartbeat_interval: 2
job_expiry: 60
max_message_size: 1024
publish_key_rotation_stagger_ms: 0
";
    let dir = dir_with(&[("master", text)]);
    let loaded = load_master(dir.path()).unwrap();
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    let c = loaded.config;
    assert_eq!(c.root_dir, PathBuf::from("/tmp/x"));
    assert_eq!(c.interface, "127.0.0.1");
    assert_eq!((c.publish_port, c.ret_port), (14505, 14506));
    assert!(c.auto_accept);
    assert_eq!(c.autosign_file, Some(PathBuf::from("/etc/auto.conf")));
    assert_eq!(c.autoreject_file, Some(PathBuf::from("/etc/reject.conf")));
    assert_eq!(c.nodegroups["web"], json!("G@role:web or L@a,b"));
    assert_eq!(c.nodegroups["db"], json!(["db1", "db2"]));
    assert_eq!(c.nodegroups.keys().collect::<Vec<_>>(), ["web", "db"]);
    assert_eq!((c.timeout, c.gather_job_timeout, c.keep_jobs), (7, 11, 48));
    assert_eq!(c.log_level, "debug");
    assert_eq!(c.log_file, Some(PathBuf::from("/var/log/m.log")));
    assert_eq!(
        c.file_roots["base"],
        [PathBuf::from("/srv/a"), PathBuf::from("/srv/b")]
    );
    assert_eq!(c.file_roots["dev"], [PathBuf::from("/srv/dev")]);
    assert_eq!(c.pillar_roots, roots("base", &["/srv/p"]));
    assert_eq!(c.user.as_deref(), Some("salt"));
    assert_eq!(c.heartbeat_interval, 2);
    assert_eq!(c.job_expiry, 60);
    assert_eq!(c.max_message_size, 1024);
    assert_eq!(c.publish_key_rotation_stagger_ms, 0);

    // root_dir prefixes every derived path, and configured paths too.
    assert_eq!(c.pki_dir(), PathBuf::from("/tmp/x/etc/salt-rs/pki/master"));
    assert_eq!(
        c.cachedir(),
        PathBuf::from("/tmp/x/var/cache/salt-rs/master")
    );
    assert_eq!(
        c.sock_path(),
        PathBuf::from("/tmp/x/run/salt-rs/master.sock")
    );
    assert_eq!(c.log_path(), PathBuf::from("/tmp/x/var/log/m.log"));
    assert_eq!(c.autosign_path(), PathBuf::from("/tmp/x/etc/auto.conf"));
    assert_eq!(c.autoreject_path(), PathBuf::from("/tmp/x/etc/reject.conf"));
    // file_roots are not prefixed (Salt does not either).
    assert_eq!(c.file_roots["dev"], [PathBuf::from("/srv/dev")]);
}

#[test]
fn every_minion_key_is_read() {
    let text = "\
root_dir: /tmp/m
master:
  - m1.example.com
  - m2.example.com
master_port: 14506
publish_port: 14505
id: web-01.example.com
grains:
  roles: [web, db]
  dc: fra1
acceptance_wait_time: 3
acceptance_wait_time_max: 30
recon_default: 100
recon_max: 2000
recon_randomize: false
master_finger: 'ab:cd'
log_level: info
log_file: /var/log/min.log
master_type: failover
master_alive_interval: 30
master_shuffle: true
file_roots:
  base: [/srv/local]
pillar_roots:
  base: [/srv/lp]
user: root
heartbeat_interval: 1
max_message_size: 4096
";
    let dir = dir_with(&[("minion", text)]);
    let loaded = load_minion(dir.path()).unwrap();
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    let c = loaded.config;
    assert_eq!(c.root_dir, PathBuf::from("/tmp/m"));
    assert_eq!(c.master, ["m1.example.com", "m2.example.com"]);
    assert_eq!((c.master_port, c.publish_port), (14506, 14505));
    assert_eq!(c.id.as_deref(), Some("web-01.example.com"));
    assert_eq!(c.grains["roles"], json!(["web", "db"]));
    assert_eq!(c.grains["dc"], json!("fra1"));
    assert_eq!(
        (c.acceptance_wait_time, c.acceptance_wait_time_max),
        (3, 30)
    );
    assert_eq!(
        (c.recon_default, c.recon_max, c.recon_randomize),
        (100, 2000, false)
    );
    assert_eq!(c.master_finger.as_deref(), Some("ab:cd"));
    assert_eq!(c.log_level, "info");
    assert_eq!(c.log_file, Some(PathBuf::from("/var/log/min.log")));
    assert_eq!(c.master_type, "failover");
    assert_eq!((c.master_alive_interval, c.master_shuffle), (30, true));
    assert_eq!(c.file_roots, roots("base", &["/srv/local"]));
    assert_eq!(c.pillar_roots, roots("base", &["/srv/lp"]));
    assert_eq!(c.user.as_deref(), Some("root"));
    assert_eq!((c.heartbeat_interval, c.max_message_size), (1, 4096));
    assert_eq!(c.pki_dir(), PathBuf::from("/tmp/m/etc/salt-rs/pki/minion"));
    assert_eq!(
        c.cachedir(),
        PathBuf::from("/tmp/m/var/cache/salt-rs/minion")
    );
    assert_eq!(c.log_path(), PathBuf::from("/tmp/m/var/log/min.log"));
    assert_eq!(
        c.resolve_id(|| unreachable!()).unwrap().as_str(),
        "web-01.example.com"
    );
}

#[test]
fn master_as_a_single_string() {
    let dir = dir_with(&[("minion", "master: 10.0.0.1\n")]);
    assert_eq!(load_minion(dir.path()).unwrap().config.master, ["10.0.0.1"]);
}

#[test]
fn null_value_keeps_the_default() {
    let dir = dir_with(&[("minion", "master:\nlog_file:\n")]);
    let c = load_minion(dir.path()).unwrap().config;
    assert_eq!(c.master, ["salt"]);
    assert_eq!(c.log_file, None);
}

#[test]
fn wrong_type_names_file_line_and_key() {
    let dir = dir_with(&[(
        "master",
        "# comment\ninterface: 0.0.0.0\n\npublish_port: abc\n",
    )]);
    let err = load_master(dir.path()).unwrap_err();
    let file = dir.path().join("master");
    assert_eq!(
        err.to_string(),
        format!(
            "{}:4: publish_port: expected an integer, found 'abc'",
            file.display()
        )
    );
    assert!(matches!(err, ConfigError::Value { line: 4, ref key, .. } if key == "publish_port"));
}

#[test]
fn all_value_errors_are_reported_in_order() {
    let dir = dir_with(&[
        (
            "minion",
            "master: []\nmaster_port: 99999\nrecon_randomize: maybe\n",
        ),
        ("minion.d/a.conf", "grains: [1]\n"),
    ]);
    let err = load_minion(dir.path()).unwrap_err();
    let lines: Vec<String> = err.problems().iter().map(|e| e.to_string()).collect();
    let main = dir.path().join("minion");
    let inc = dir.path().join("minion.d/a.conf");
    assert_eq!(
        lines,
        [
            format!(
                "{}:1: master: expected at least one master, found an empty list",
                main.display()
            ),
            format!(
                "{}:2: master_port: expected a port number from 0 to 65535, found 99999",
                main.display()
            ),
            format!(
                "{}:3: recon_randomize: expected true or false, found 'maybe'",
                main.display()
            ),
            format!(
                "{}:1: grains: expected a mapping, found a list",
                inc.display()
            ),
        ]
    );
    assert_eq!(err.to_string(), lines.join("\n"));
}

#[test]
fn bad_nodegroup_is_an_error_on_its_line() {
    let dir = dir_with(&[("master", "timeout: 5\nnodegroups:\n  a: [x]\n  b: {c: d}\n")]);
    let err = load_master(dir.path()).unwrap_err().to_string();
    assert!(err.contains("master:2: nodegroups: nodegroup 'b'"), "{err}");
}

#[test]
fn yaml_syntax_error_has_file_line_and_column() {
    let dir = dir_with(&[("master", "timeout: 5\nfile_roots:\n  base: [/srv\n")]);
    let err = load_master(dir.path()).unwrap_err();
    let ConfigError::Syntax {
        file, line, column, ..
    } = &err
    else {
        panic!("{err:?}");
    };
    assert_eq!(file, &dir.path().join("master"));
    assert_eq!((*line, *column), (3, 9));
    let prefix = format!("{}:3:9: ", dir.path().join("master").display());
    assert!(err.to_string().starts_with(&prefix), "{err}");
}

#[test]
fn syntax_errors_in_several_files_are_all_reported() {
    let dir = dir_with(&[
        ("master", "a: [\n"),
        ("master.d/10.conf", "timeout: 1\n"),
        ("master.d/20.conf", "b: c: d\n"),
    ]);
    let err = load_master(dir.path()).unwrap_err();
    let problems = err.problems();
    assert_eq!(problems.len(), 2, "{err}");
    assert!(
        problems
            .iter()
            .all(|p| matches!(p, ConfigError::Syntax { .. }))
    );
    assert!(err.to_string().contains("20.conf:1:5: "), "{err}");
}

#[test]
fn unknown_keys_warn_with_line() {
    let dir = dir_with(&[
        ("master", "timeout: 5\nworker_threads: 10\n"),
        ("master.d/x.conf", "\nfoo: bar\n"),
    ]);
    let loaded = load_master(dir.path()).unwrap();
    assert_eq!(loaded.config.timeout, 5);
    assert_eq!(
        loaded.warnings,
        [
            format!(
                "unknown key 'worker_threads' in {}:2 (ignored)",
                dir.path().join("master").display()
            ),
            format!(
                "unknown key 'foo' in {}:2 (ignored)",
                dir.path().join("master.d/x.conf").display()
            ),
        ]
    );
}

#[test]
fn include_keys_are_ignored_with_a_warning() {
    let dir = dir_with(&[("minion", "include: extra/*.conf\nid: m1\n")]);
    let loaded = load_minion(dir.path()).unwrap();
    assert_eq!(loaded.config.id.as_deref(), Some("m1"));
    assert_eq!(loaded.warnings.len(), 1);
    assert!(
        loaded.warnings[0].starts_with("key 'include' in ")
            && loaded.warnings[0].contains("minion:1 is not supported yet (ignored)"),
        "{:?}",
        loaded.warnings
    );
}

#[test]
fn conf_d_files_merge_in_name_order_over_the_main_file() {
    let dir = dir_with(&[
        (
            "master",
            "timeout: 5\nkeep_jobs: 1\nnodegroups:\n  main: [m]\nfile_roots:\n  base: [/srv/main]\n",
        ),
        // Read after 10-b.conf (name order), so its timeout wins.
        (
            "master.d/20-a.conf",
            "timeout: 20\nnodegroups:\n  a: [m1]\n",
        ),
        (
            "master.d/10-b.conf",
            "timeout: 10\nnodegroups:\n  b: [m2]\n",
        ),
        ("master.d/30.conf", "file_roots:\n  dev: [/srv/dev]\n"),
        // Not *.conf, hidden, or a directory: not read.
        ("master.d/99.conf.bak", "timeout: 99\n"),
        ("master.d/.hidden.conf", "timeout: 98\n"),
        ("master.d/sub.conf/x", "timeout: 97\n"),
    ]);
    let c = load_master(dir.path()).unwrap().config;
    assert_eq!(c.timeout, 20);
    assert_eq!(c.keep_jobs, 1);
    // Included files merge with each other deeply, then replace the main
    // file's key as a whole (Salt: dictupdate among includes, then update()).
    assert_eq!(c.nodegroups.keys().collect::<Vec<_>>(), ["b", "a"]);
    assert_eq!(c.file_roots, roots("dev", &["/srv/dev"]));
}

#[test]
fn conf_d_alone_without_main_file() {
    let dir = dir_with(&[("minion.d/m.conf", "master: [a, b]\n")]);
    assert_eq!(load_minion(dir.path()).unwrap().config.master, ["a", "b"]);
}

#[test]
fn invalid_id_in_config_is_an_error() {
    let dir = dir_with(&[("minion", "master: salt\nid: ../../etc/passwd\n")]);
    let err = load_minion(dir.path()).unwrap_err();
    assert!(
        matches!(err, ConfigError::Value { line: 2, ref key, .. } if key == "id"),
        "{err:?}"
    );
    assert!(err.to_string().contains("minion:2: id: "), "{err}");
}

#[test]
fn resolve_id_uses_and_writes_the_cache_in_config_dir() {
    let dir = dir_with(&[("minion", "master: salt\n")]);
    let c = load_minion(dir.path()).unwrap().config;
    assert_eq!(
        c.resolve_id(|| "host1.lan".to_owned()).unwrap().as_str(),
        "host1.lan"
    );
    assert_eq!(
        fs::read_to_string(dir.path().join("minion_id")).unwrap(),
        "host1.lan"
    );
    assert_eq!(
        c.resolve_id(|| "renamed.lan".to_owned()).unwrap().as_str(),
        "host1.lan"
    );

    fs::write(dir.path().join("minion"), "id: explicit\n").unwrap();
    let c = load_minion(dir.path()).unwrap().config;
    assert_eq!(
        c.resolve_id(|| "renamed.lan".to_owned()).unwrap().as_str(),
        "explicit"
    );
}

#[test]
fn unreadable_main_file_is_an_io_error() {
    // A directory where the file should be cannot be read as a file.
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("master")).unwrap();
    let err = load_master(dir.path()).unwrap_err();
    assert!(matches!(err, ConfigError::Io { ref path, .. } if path == &dir.path().join("master")));
}

#[test]
fn relative_root_dir_becomes_absolute() {
    let dir = dir_with(&[("master", "root_dir: some/rel\n")]);
    let c = load_master(dir.path()).unwrap().config;
    assert!(c.root_dir.is_absolute());
    assert!(c.pki_dir().starts_with(&c.root_dir));
    assert!(
        c.pki_dir()
            .ends_with(Path::new("some/rel/etc/salt-rs/pki/master"))
    );
}

#[test]
fn state_and_outputter_keys_are_read_by_both_daemons() {
    let text = "\
pillar_source_merging_strategy: recurse
pillar_merge_lists: true
pillar_includes_override_sls: true
pillar_safe_render_error: false
pillarenv: dev
pillarenv_from_saltenv: true
state_top: site.sls
renderer: yaml
state_output_profile: false
state_output_pct: true
state_compress_ids: true
state_tabular: '{0}{4}'
state_output_exclude: 'True,None'
state_output_terse: [false]
";
    for daemon in ["master", "minion"] {
        let dir = dir_with(&[(daemon, text)]);
        macro_rules! check {
            ($c:expr) => {{
                let c = $c;
                assert_eq!(c.pillar_source_merging_strategy, "recurse");
                assert!(c.pillar_merge_lists && c.pillar_includes_override_sls);
                assert!(!c.pillar_safe_render_error && c.pillarenv_from_saltenv);
                assert_eq!(c.pillarenv.as_deref(), Some("dev"));
                assert_eq!(
                    (c.state_top.as_str(), c.renderer.as_str()),
                    ("site.sls", "yaml")
                );
                assert_eq!(
                    (
                        c.state_output_profile,
                        c.state_output_pct,
                        c.state_compress_ids
                    ),
                    (Some(false), Some(true), Some(true))
                );
                assert_eq!(
                    c.state_tabular,
                    Some(salt_config::StateTabular::Format("{0}{4}".into()))
                );
                assert_eq!(
                    c.state_output_exclude,
                    Some(vec!["True".to_owned(), "None".to_owned()])
                );
                assert_eq!(c.state_output_terse, Some(vec!["False".to_owned()]));
            }};
        }
        if daemon == "master" {
            let loaded = load_master(dir.path()).unwrap();
            assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
            check!(loaded.config);
        } else {
            let loaded = load_minion(dir.path()).unwrap();
            assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
            check!(loaded.config);
        }
    }
    let dir = dir_with(&[("minion", "pillar_source_merging_strategy: deep\n")]);
    let err = load_minion(dir.path()).unwrap_err().to_string();
    assert!(err.contains("expected one of smart, recurse"), "{err}");
}
