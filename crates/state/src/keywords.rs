//! The argument names the state system keeps for itself: requisites,
//! requisite-ins and run-time options. They are never passed to a state
//! function, and an unknown argument is only an error when it is not one of
//! these (Salt's `STATE_INTERNAL_KEYWORDS`).

/// Requisites a state declares on others (Salt's `STATE_REQUISITE_KEYWORDS`).
pub const REQUISITE_KEYWORDS: &[&str] = &[
    "onchanges",
    "onchanges_any",
    "onfail",
    "onfail_any",
    "onfail_all",
    "onfail_stop",
    "prereq",
    "prerequired",
    "watch",
    "watch_any",
    "require",
    "require_any",
    "listen",
];

/// Requisites a state puts on others (`STATE_REQUISITE_IN_KEYWORDS`).
pub const REQUISITE_IN_KEYWORDS: &[&str] = &[
    "onchanges_in",
    "onfail_in",
    "prereq_in",
    "watch_in",
    "require_in",
    "listen_in",
];

/// Options the runner reads (`STATE_RUNTIME_KEYWORDS`).
pub const RUNTIME_KEYWORDS: &[&str] = &[
    "fun",
    "state",
    "check_cmd",
    "cmd_opts_exclude",
    "failhard",
    "onlyif",
    "unless",
    "creates",
    "retry",
    "order",
    "parallel",
    "prereq",
    "prereq_in",
    "prerequired",
    "reload_modules",
    "reload_grains",
    "reload_pillar",
    "runas",
    "runas_password",
    "fire_event",
    "saltenv",
    "umask",
    "use",
    "use_in",
    "__env__",
    "__sls__",
    "__id__",
    "__sls_included_from__",
    "__orchestration_jid__",
    "__pub_user",
    "__pub_arg",
    "__pub_jid",
    "__pub_fun",
    "__pub_tgt",
    "__pub_ret",
    "__pub_pid",
    "__pub_tgt_type",
    "__prereq__",
    "__prerequired__",
    "__umask__",
];

/// Whether `key` belongs to the state system rather than to the state
/// function (Salt's `STATE_INTERNAL_KEYWORDS`).
pub fn is_internal(key: &str) -> bool {
    REQUISITE_KEYWORDS.contains(&key)
        || REQUISITE_IN_KEYWORDS.contains(&key)
        || RUNTIME_KEYWORDS.contains(&key)
}

/// Whether `key` is a requisite (`require`, `watch_any`, ...).
pub fn is_requisite(key: &str) -> bool {
    REQUISITE_KEYWORDS.contains(&key)
}
