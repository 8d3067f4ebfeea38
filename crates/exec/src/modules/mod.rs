//! Execution modules, one file per Salt module. Each file holds one argument
//! struct per function (`impl ExecFn`), its documentation with a CLI example,
//! and its tests. The registry (`registry.rs`) lists them.

pub mod archive;
pub mod cmd;
pub mod cmd_script;
pub mod cmd_which;
pub mod config;
pub mod cp;
pub mod defaults;
pub mod event;
pub mod file_hash;
pub mod file_ids;
pub mod file_path;
pub mod file_template;
pub mod grains;
pub mod group;
pub mod kmod;
pub mod lowpkg;
pub mod mine;
pub mod pillar;
pub mod pkg;
pub mod saltutil;
pub mod service;
pub mod slsutil;
pub mod state;
pub mod sys;
pub mod sysctl;
pub mod test;
pub mod user;

/// An OS error's text as Python prints it (`No such file or directory`),
/// without Rust's ` (os error 2)` tail.
pub(crate) fn strerror(e: &std::io::Error) -> String {
    let text = e.to_string();
    match text.rfind(" (os error ") {
        Some(i) => text[..i].to_owned(),
        None => text,
    }
}

/// A context for unit tests: id `minion1`, a few grains, no jid.
#[cfg(test)]
pub(crate) fn test_ctx() -> crate::Ctx {
    use std::sync::Arc;
    let grains = serde_json::json!({
        "id": "minion1",
        "os": "Debian",
        "osrelease_info": [12, 4],
        "ip4_interfaces": {"lo": ["127.0.0.1"], "eth0": ["192.0.2.10", "192.0.2.11"]},
        "roles": [{"web": {"port": 80}}, "db"],
    });
    crate::Ctx::local(
        salt_types::MinionId::parse("minion1").expect("valid id"),
        Arc::new(grains.as_object().cloned().unwrap_or_default()),
    )
}

/// Parses and runs one call in a test context.
#[cfg(test)]
pub(crate) async fn run_in(
    cx: &crate::Ctx,
    fun: &str,
    args: serde_json::Value,
    kwargs: serde_json::Value,
) -> crate::ExecResult {
    let args = args.as_array().cloned().unwrap_or_default();
    let kwargs = kwargs.as_object().cloned().unwrap_or_default();
    match crate::parse_call(fun, args, kwargs) {
        Ok(call) => call.call(cx).await,
        Err(e) => e.into_result(),
    }
}
