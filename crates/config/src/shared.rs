//! Keys the master and the minion both read, with the same meaning and the
//! same conversion: file and pillar roots, logging, pillar merging and the
//! highstate outputter's settings. Each daemon's key table takes these from
//! [`shared_keys!`] and adds its own.

use std::path::{Path, PathBuf};

use crate::schema::rooted;

/// `log_file` under root or the default `<root>/var/log/salt-rs/<daemon>`;
/// a `log_file` with a URL scheme (`udp://...`) is kept as written.
pub(crate) fn log_path(root: &Path, log_file: Option<&Path>, daemon: &str) -> PathBuf {
    match log_file {
        Some(p) if p.to_str().is_some_and(|s| s.contains("://")) => p.to_path_buf(),
        Some(p) => rooted(root, p),
        None => rooted(root, &Path::new("/var/log/salt-rs").join(daemon)),
    }
}

/// The [`Key`](crate::schema::Key)s shared by [`MasterConfig`](crate::MasterConfig)
/// and [`MinionConfig`](crate::MinionConfig), for the config type given:
/// both structs have a field of the key's name and type for each of them.
macro_rules! shared_keys {
    ($config:ty) => {{
        use $crate::convert;
        use $crate::schema::{Key, key};
        let keys: Vec<Key<$config>> = vec![
            key!("log_level", log_level, convert::log_level),
            key!("log_file", log_file, |v| convert::path(v).map(Some)),
            key!("file_roots", file_roots, convert::roots),
            key!("pillar_roots", pillar_roots, convert::roots),
            key!("user", user, |v| convert::string(v).map(Some)),
            key!("heartbeat_interval", heartbeat_interval, convert::positive),
            key!("max_message_size", max_message_size, convert::size),
            key!(
                "pillar_source_merging_strategy",
                pillar_source_merging_strategy,
                |v| convert::one_of(v, $crate::MERGING_STRATEGIES)
            ),
            key!("pillar_merge_lists", pillar_merge_lists, convert::boolean),
            key!(
                "pillar_includes_override_sls",
                pillar_includes_override_sls,
                convert::boolean
            ),
            key!(
                "pillar_safe_render_error",
                pillar_safe_render_error,
                convert::boolean
            ),
            key!("pillarenv", pillarenv, |v| convert::string(v).map(Some)),
            key!(
                "pillarenv_from_saltenv",
                pillarenv_from_saltenv,
                convert::boolean
            ),
            key!("state_top", state_top, convert::string),
            key!("renderer", renderer, convert::string),
            key!("state_output", state_output, |v| convert::string(v)
                .map(Some)),
            key!("state_verbose", state_verbose, |v| convert::boolean(v)
                .map(Some)),
            key!("state_output_diff", state_output_diff, |v| {
                convert::boolean(v).map(Some)
            }),
            key!("state_output_profile", state_output_profile, |v| {
                convert::boolean(v).map(Some)
            }),
            key!("state_output_pct", state_output_pct, |v| {
                convert::boolean(v).map(Some)
            }),
            key!("state_compress_ids", state_compress_ids, |v| {
                convert::boolean(v).map(Some)
            }),
            key!("state_tabular", state_tabular, |v| {
                $crate::output::tabular(v).map(Some)
            }),
            key!("state_output_exclude", state_output_exclude, |v| {
                $crate::output::result_list(v).map(Some)
            }),
            key!("state_output_terse", state_output_terse, |v| {
                $crate::output::result_list(v).map(Some)
            }),
        ];
        keys
    }};
}
pub(crate) use shared_keys;
