//! The benchmark state tree: a deterministic, realistic 200-state tree that
//! `scripts/bench-states.sh` times under salt-rs and under Salt, and that
//! `cargo bench -p salt-bench` renders, compiles and prints in-process.
//!
//! The tree is what a Salt user's role looks like: a `map.jinja` with
//! `grains.filter_by` merged with pillar (`do update` in a loop), SLS files
//! that import it and read pillar with `pillar.get`, `file.directory`,
//! `file.managed` (Jinja source templates fed by grains and pillar, list
//! `contents`, `contents_pillar`), `cmd.run` guarded by `unless`/`onlyif`,
//! `test.*` states, `require`/`watch`/`onchanges` chains inside and across
//! SLS files, and a chain of relative and absolute includes over 20 SLS
//! files. The pillar has a few hundred keys.
//!
//! Everything the states touch is under the `out` directory given to
//! [`generate`] (it goes into the pillar as `bench:root`): nothing outside
//! it is written. The same inputs always give byte-identical files.
//!
//! ```text
//! <dir>/salt/top.sls                 base: '*': [bench]
//! <dir>/salt/bench/init.sls          includes every SLS below
//! <dir>/salt/bench/map.jinja         filter_by + pillar lookup + defaults
//! <dir>/salt/bench/common.sls        10 states
//! <dir>/salt/bench/svc01..19.sls     10 states each, each includes the one before
//! <dir>/salt/bench/files/*.j2        file.managed templates
//! <dir>/pillar/top.sls, bench.sls    the pillar
//! ```

#![forbid(unsafe_code)]

use std::fmt::Write as _;
use std::io;
use std::path::{Path, PathBuf};

/// How many service SLS files (`bench.svc01`...) the tree has; with
/// `bench.common` that makes [`SLS_FILES`] files of [`STATES_PER_SLS`]
/// states each.
pub const SERVICES: usize = 19;
/// States in each SLS file.
pub const STATES_PER_SLS: usize = 10;
/// SLS files holding states (`bench.common` and the services).
pub const SLS_FILES: usize = SERVICES + 1;
/// States in the whole tree.
pub const STATES: usize = SLS_FILES * STATES_PER_SLS;

/// One generated file: its path under the tree's directory and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeFile {
    /// Relative to the tree's directory, e.g. `salt/bench/svc01.sls`.
    pub path: String,
    pub text: String,
}

/// The tree's files for states that write under `out` (an absolute path).
pub fn files(out: &str) -> Vec<TreeFile> {
    let mut v = vec![
        file("salt/top.sls", "base:\n  '*':\n    - bench\n".to_owned()),
        file("salt/bench/init.sls", init_sls()),
        file("salt/bench/map.jinja", MAP_JINJA.to_owned()),
        file("salt/bench/common.sls", COMMON_SLS.to_owned()),
        file("salt/bench/files/service.conf.j2", SERVICE_CONF.to_owned()),
        file("salt/bench/files/motd.j2", MOTD.to_owned()),
        file("pillar/top.sls", "base:\n  '*':\n    - bench\n".to_owned()),
        file("pillar/bench.sls", pillar_sls(out)),
    ];
    for n in 1..=SERVICES {
        v.push(file(&format!("salt/bench/{}.sls", svc(n)), service_sls(n)));
    }
    v
}

/// Writes the tree under `dir` (`dir/salt`, `dir/pillar`), for states that
/// write under `out`. Returns the paths of the state and pillar roots.
pub fn generate(dir: &Path, out: &str) -> io::Result<(PathBuf, PathBuf)> {
    for f in files(out) {
        let path = dir.join(&f.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, f.text)?;
    }
    Ok((dir.join("salt"), dir.join("pillar")))
}

/// The SLS names of the tree's state files, in include order.
pub fn sls_names() -> Vec<String> {
    let mut v = vec!["bench".to_owned(), "bench.common".to_owned()];
    v.extend((1..=SERVICES).map(|n| format!("bench.{}", svc(n))));
    v
}

fn file(path: &str, text: String) -> TreeFile {
    TreeFile {
        path: path.to_owned(),
        text,
    }
}

fn svc(n: usize) -> String {
    format!("svc{n:02}")
}

fn init_sls() -> String {
    let mut s = String::from("include:\n  - bench.common\n");
    for n in 1..=SERVICES {
        let _ = writeln!(s, "  - bench.{}", svc(n));
    }
    s
}

/// Defaults, then the OS family's values with the pillar's `bench:lookup`
/// merged over them, copied key by key into `app`.
const MAP_JINJA: &str = r#"{% set defaults = {
    'user': 'root',
    'group': 'root',
    'workers': 2,
    'conf_dir': '/etc/bench',
    'pkg': 'bench',
} %}
{% set os_map = salt['grains.filter_by']({
    'Debian': {'pkg': 'bench-deb', 'conf_dir': '/etc/bench'},
    'RedHat': {'pkg': 'bench-rpm', 'conf_dir': '/etc/sysconfig/bench'},
    'Arch': {'pkg': 'bench', 'user': 'http'},
  }, grain='os_family', merge=salt['pillar.get']('bench:lookup'), default='Debian') %}
{% set app = {} %}
{% for source in [defaults, os_map] %}
{%   for key, value in source.items() %}
{%     do app.update({key: value}) %}
{%   endfor %}
{% endfor %}
"#;

const COMMON_SLS: &str = r#"{% from 'bench/map.jinja' import app with context %}
{% set root = salt['pillar.get']('bench:root') %}

bench_root:
  file.directory:
    - name: {{ root }}
    - makedirs: True

bench_log_dir:
  file.directory:
    - name: {{ root }}/log
    - require:
      - file: bench_root

bench_run_dir:
  file.directory:
    - name: {{ root }}/run
    - require:
      - file: bench_root

bench_motd:
  file.managed:
    - name: {{ root }}/motd
    - source: salt://bench/files/motd.j2
    - template: jinja
    - defaults:
        owner: {{ app.user }}
        pkg: {{ app.pkg }}
    - require:
      - file: bench_root

bench_settings:
  file.managed:
    - name: {{ root }}/settings.json
    - contents_pillar: bench:settings_json
    - require:
      - file: bench_root

bench_hostname:
  cmd.run:
    - name: echo {{ grains['id'] }} > {{ root }}/run/hostname
    - unless: test -s {{ root }}/run/hostname
    - require:
      - file: bench_run_dir

bench_base_ready:
  test.succeed_without_changes:
    - require:
      - file: bench_log_dir
      - file: bench_run_dir
      - file: bench_motd

bench_notice:
  test.show_notification:
    - text: bench tree for {{ grains['id'] }} ({{ app.pkg }}, {{ app.workers }} workers)

bench_marker:
  test.succeed_with_changes:
    - watch:
      - file: bench_settings

bench_cleanup:
  cmd.run:
    - name: rm -f {{ root }}/run/stale
    - onlyif: test -e {{ root }}/run/stale
    - order: last
"#;

/// `svcNN.sls`: includes `bench.common` and (relatively) the service
/// before it, whose last state its own last state requires.
fn service_sls(n: usize) -> String {
    let name = svc(n);
    let mut s = format!(
        "{{% from 'bench/map.jinja' import app with context %}}\n\
         {{% set name = '{name}' %}}\n\
         {{% set svc = salt['pillar.get']('bench:services:' ~ name, {{}}) %}}\n\
         {{% set root = salt['pillar.get']('bench:root') %}}\n\
         {{% set dir = root ~ '/' ~ name %}}\n\
         include:\n  - bench.common\n"
    );
    let before = if n > 1 {
        let prev = svc(n - 1);
        let _ = writeln!(s, "  - .{prev}");
        format!("test: {prev}_check")
    } else {
        "test: bench_base_ready".to_owned()
    };
    s.push_str(SERVICE_BODY);
    s.push_str(&format!("      - {before}\n"));
    s
}

const SERVICE_BODY: &str = r#"
{{ name }}_dir:
  file.directory:
    - name: {{ dir }}
    - require:
      - file: bench_root

{{ name }}_confd:
  file.directory:
    - name: {{ dir }}/conf.d
    - require:
      - file: {{ name }}_dir

{{ name }}_config:
  file.managed:
    - name: {{ dir }}/{{ name }}.conf
    - source: salt://bench/files/service.conf.j2
    - template: jinja
    - context:
        name: {{ name }}
        port: {{ svc.port }}
        workers: {{ svc.get('workers', app.workers) }}
        user: {{ app.user }}
        conf_dir: {{ app.conf_dir }}
    - require:
      - file: {{ name }}_confd

{{ name }}_env:
  file.managed:
    - name: {{ dir }}/conf.d/env
    - contents:
{%- for key, value in svc.env | dictsort %}
      - {{ key | upper }}={{ value }}
{%- endfor %}
    - require:
      - file: {{ name }}_confd

{{ name }}_init:
  cmd.run:
    - name: touch {{ dir }}/initialized
    - unless: test -e {{ dir }}/initialized
    - require:
      - file: {{ name }}_config

{{ name }}_migrate:
  cmd.run:
    - name: echo migrated > {{ dir }}/migrated
    - onlyif: test -d {{ dir }}
    - onchanges:
      - file: {{ name }}_config

{{ name }}_restart:
  cmd.run:
    - name: echo restart {{ name }}
    - watch:
      - file: {{ name }}_env

{{ name }}_ready:
  test.succeed_without_changes:
    - require:
      - cmd: {{ name }}_init
      - file: {{ name }}_env

{{ name }}_notify:
  test.succeed_with_changes:
    - watch:
      - cmd: {{ name }}_restart

{{ name }}_check:
  test.configurable_test_state:
    - changes: False
    - result: True
    - comment: {{ name }} on port {{ svc.port }} ok
    - require:
      - test: {{ name }}_ready
"#;

const SERVICE_CONF: &str = r#"# {{ name }}: managed by Salt, do not edit
[service]
name = {{ name }}
listen = 0.0.0.0:{{ port }}
workers = {{ workers }}
user = {{ user }}
conf_dir = {{ conf_dir }}
host = {{ grains['id'] }}
os_family = {{ grains['os_family'] }}
{%- for opt in salt['pillar.get']('bench:services:' ~ name ~ ':options', []) %}
option.{{ loop.index }} = {{ opt }}
{%- endfor %}
{%- set limits = salt['pillar.get']('bench:limits', {}) %}
{%- for key, value in limits | dictsort %}
limit.{{ key }} = {{ value }}
{%- endfor %}
"#;

const MOTD: &str = r#"Welcome to {{ grains['id'] }} ({{ grains['os_family'] }}).
Managed by {{ owner }} with {{ pkg }}.
"#;

/// The pillar: `bench:root`, the lookup table, limits, 19 services of 14
/// keys and 40 users of 4 keys (about 400 keys in all).
fn pillar_sls(out: &str) -> String {
    let mut s = String::from("bench:\n");
    let _ = writeln!(s, "  root: {out}");
    s.push_str("  lookup:\n    workers: 3\n    user: bench\n");
    s.push_str("  settings_json: '{\"log_level\": \"info\", \"threads\": 4}'\n");
    s.push_str("  limits:\n");
    for k in 0..20 {
        let _ = writeln!(s, "    limit_{k:02}: {}", 1024 * (k + 1));
    }
    s.push_str("  services:\n");
    for n in 1..=SERVICES {
        let _ = writeln!(s, "    {}:", svc(n));
        let _ = writeln!(s, "      port: {}", 8000 + n);
        let _ = writeln!(s, "      workers: {}", 1 + n % 4);
        s.push_str("      env:\n");
        for k in 0..10 {
            let _ = writeln!(s, "        var_{k:02}: value-{n:02}-{k}");
        }
        s.push_str("      options:\n");
        for k in 0..5 {
            let _ = writeln!(s, "        - opt-{n:02}-{k}");
        }
    }
    s.push_str("  users:\n");
    for u in 0..40 {
        let _ = writeln!(s, "    user{u:02}:");
        let _ = writeln!(s, "      uid: {}", 2000 + u);
        let _ = writeln!(s, "      shell: /bin/{}", ["bash", "sh", "zsh"][u % 3]);
        let _ = writeln!(s, "      groups: [staff, g{:02}]", u % 7);
        let _ = writeln!(s, "      active: {}", u % 5 != 0);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tree_has_200_states_in_20_sls_files() {
        let files = files("/tmp/out");
        let sls: Vec<_> = files
            .iter()
            .filter(|f| f.path.starts_with("salt/bench/") && f.path.ends_with(".sls"))
            .filter(|f| !f.path.ends_with("init.sls"))
            .collect();
        assert_eq!(sls.len(), SLS_FILES);
        // A state ID is a line starting in column 0 and ending with ':'
        // that is not `include:`.
        let ids: usize = sls
            .iter()
            .map(|f| {
                f.text
                    .lines()
                    .filter(|l| {
                        !l.starts_with([' ', '#']) && !l.starts_with("{%") && l.ends_with(':')
                    })
                    .filter(|l| *l != "include:")
                    .count()
            })
            .sum();
        assert_eq!(ids, STATES);
        assert_eq!(STATES, 200);
    }

    #[test]
    fn generation_is_deterministic_and_writes_only_under_its_dir() {
        let a = files("/x/out");
        assert_eq!(a, files("/x/out"));
        assert!(
            a.iter()
                .all(|f| !f.path.starts_with('/') && !f.path.contains(".."))
        );
        let pillar = a.iter().find(|f| f.path == "pillar/bench.sls").unwrap();
        assert!(pillar.text.contains("  root: /x/out\n"));
        // Every absolute path a state names is built from the root.
        for f in &a {
            let bad = f.text.lines().find(|l| l.contains("- name: /"));
            assert!(
                bad.is_none(),
                "{}: a name outside the root: {bad:?}",
                f.path
            );
        }
    }

    #[test]
    fn each_service_includes_the_one_before() {
        let s = service_sls(5);
        assert!(s.contains("include:\n  - bench.common\n  - .svc04\n"));
        assert!(s.ends_with("      - test: svc04_check\n"));
        assert!(service_sls(1).ends_with("      - test: bench_base_ready\n"));
    }

    #[test]
    fn the_pillar_has_a_few_hundred_keys() {
        let p = pillar_sls("/o");
        let keys = p
            .lines()
            .filter(|l| {
                l.trim_start()
                    .split_once(':')
                    .is_some_and(|(k, _)| !k.starts_with('-'))
            })
            .count();
        assert!((300..600).contains(&keys), "{keys} keys");
    }
}
