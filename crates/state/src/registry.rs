//! The one list of state functions. Each line of `state_registry!` names a
//! function and its argument struct; the macro writes the closed
//! [`StateCall`] enum, the binding of a low chunk to the struct, the
//! exhaustive dispatch to `plan`/`apply`, and the list behind
//! [`list_states`]. Binding follows Salt's rules: declared parameters are
//! taken from the chunk, the state system's own keywords are left out, and
//! any other keyword is refused unless the function takes `**kwargs`.

use serde_json::{Map, Value};

use crate::fields::field_names;
use crate::keywords::is_internal;
use crate::module::{RunCtx, StateError, StateFn, StateReturn};
use crate::{LowChunk, states};

state_registry! {
    "archive.extracted"             => ArchiveExtracted(states::archive::Extracted),
    "cmd.mod_watch"                 => CmdModWatch(states::cmd::ModWatch),
    "cmd.run"                       => CmdRun(states::cmd::Run),
    "cmd.script"                    => CmdScript(states::cmd::Script),
    "cmd.wait"                      => CmdWait(states::cmd::Wait),
    "cmd.wait_script"               => CmdWaitScript(states::cmd::WaitScript),
    "file.absent"                   => FileAbsent(states::file::Absent),
    "file.append"                   => FileAppend(states::file::Append),
    "file.blockreplace"             => FileBlockreplace(states::file::BlockReplace),
    "file.directory"                => FileDirectory(states::file::Directory),
    "file.exists"                   => FileExists(states::file::Exists),
    "file.line"                     => FileLine(states::file::Line),
    "file.managed"                  => FileManaged(states::file::Managed),
    "file.missing"                  => FileMissing(states::file::Missing),
    "file.mod_run_check_cmd"        => FileModRunCheckCmd(states::file::ModRunCheckCmd),
    "file.recurse"                  => FileRecurse(states::file::Recurse),
    "file.replace"                  => FileReplace(states::file::Replace),
    "file.symlink"                  => FileSymlink(states::file::Symlink),
    "file.touch"                    => FileTouch(states::file::Touch),
    "group.absent"                  => GroupAbsent(states::group::Absent),
    "group.present"                 => GroupPresent(states::group::Present),
    "kmod.present"                  => KmodPresent(states::kmod::Present),
    "module.mod_watch"              => ModuleModWatch(states::module::Run),
    "module.run"                    => ModuleRun(states::module::Run),
    "module.wait"                   => ModuleWait(states::module::Wait),
    "module.watch"                  => ModuleWatch(states::module::Wait),
    "pkg.installed"                 => PkgInstalled(states::pkg::Installed),
    "pkg.latest"                    => PkgLatest(states::pkg::Latest),
    "pkg.mod_watch"                 => PkgModWatch(states::pkg::ModWatch),
    "pkg.purged"                    => PkgPurged(states::pkg::Purged),
    "pkg.removed"                   => PkgRemoved(states::pkg::Removed),
    "pkgrepo.managed"               => PkgrepoManaged(states::pkgrepo::Managed),
    "service.dead"                  => ServiceDead(states::service::Dead),
    "service.disabled"              => ServiceDisabled(states::service::Disabled),
    "service.enabled"               => ServiceEnabled(states::service::Enabled),
    "service.mod_watch"             => ServiceModWatch(states::service::ModWatch),
    "service.running"               => ServiceRunning(states::service::Running),
    "sysctl.present"                => SysctlPresent(states::sysctl::Present),
    "test.check_pillar"             => TestCheckPillar(states::test::CheckPillar),
    "test.configurable_test_state"  => TestConfigurableTestState(states::test::ConfigurableTestState),
    "test.fail_with_changes"        => TestFailWithChanges(states::test::FailWithChanges),
    "test.fail_without_changes"     => TestFailWithoutChanges(states::test::FailWithoutChanges),
    "test.mod_watch"                => TestModWatch(states::test::ModWatch),
    "test.nop"                      => TestNop(states::test::Nop),
    "test.show_notification"        => TestShowNotification(states::test::ShowNotification),
    "test.succeed_with_changes"     => TestSucceedWithChanges(states::test::SucceedWithChanges),
    "test.succeed_without_changes"  => TestSucceedWithoutChanges(states::test::SucceedWithoutChanges),
    "user.absent"                   => UserAbsent(states::user::Absent),
    "user.present"                  => UserPresent(states::user::Present),
}

/// Every state function name (`test.nop`, ...), sorted.
pub fn list_states() -> &'static [&'static str] {
    NAMES
}

/// Whether `mod.fun` is registered.
pub fn has_state(full: &str) -> bool {
    NAMES.binary_search(&full).is_ok()
}

/// Writes everything derived from the list; see the module docs.
macro_rules! state_registry {
    ($($name:literal => $variant:ident($ty:ty)),+ $(,)?) => {
        /// A bound state call: one variant per registered function, holding
        /// its typed arguments. Built only by [`bind_state`]; lives for one
        /// call, so variant sizes do not matter.
        #[derive(Debug)]
        #[allow(clippy::large_enum_variant)]
        pub enum StateCall {
            $($variant($ty)),+
        }

        const NAMES: &[&str] = &[$($name),+];

        /// The documentation of a state function.
        pub fn state_doc(full: &str) -> Option<&'static str> {
            match full {
                $($name => Some(<$ty as StateFn>::DOC),)+
                _ => None,
            }
        }

        /// Parameters the function requires (checked before binding).
        pub(crate) fn required_params(full: &str) -> Option<&'static [&'static str]> {
            match full {
                $($name => Some(<$ty as StateFn>::REQUIRED),)+
                _ => None,
            }
        }

        /// Binds a chunk's arguments to the function `full`.
        pub fn bind_state(full: &str, low: &LowChunk) -> Result<StateCall, StateError> {
            match full {
                $($name => bind::<$ty>($name, low).map(StateCall::$variant),)+
                _ => Err(StateError::Invocation(format!("'{full}' is not available."))),
            }
        }

        impl StateCall {
            /// The registered name (`test.nop`).
            pub fn name(&self) -> &'static str {
                match self {
                    $(Self::$variant(_) => $name,)+
                }
            }

            /// `plan` in test mode, `apply` otherwise.
            pub fn run(self, cx: &RunCtx<'_>) -> Result<StateReturn, StateError> {
                match self {
                    $(Self::$variant(f) => if cx.test { f.plan(cx) } else { f.apply(cx) },)+
                }
            }
        }
    };
}
use state_registry;

/// Salt's `format_call` for states.
fn bind<T: StateFn>(full: &str, low: &LowChunk) -> Result<T, StateError> {
    let fields = field_names::<T>();
    let mut obj = Map::new();
    let mut extra = Map::new();
    let mut invalid = Vec::new();
    for (k, v) in low.as_map() {
        let declared = fields.contains(&k.as_str()) && !(T::VARKWARGS && k == "kwargs");
        if declared {
            obj.insert(k.clone(), v.clone());
        } else if is_internal(k) {
            continue;
        } else if T::VARKWARGS {
            extra.insert(k.clone(), v.clone());
        } else {
            invalid.push(k.clone());
        }
    }
    if !invalid.is_empty() {
        return Err(StateError::Invocation(invalid_keywords(&invalid, full)));
    }
    if T::VARKWARGS {
        obj.insert("kwargs".into(), Value::Object(extra));
    }
    serde_json::from_value(Value::Object(obj))
        .map_err(|e| StateError::Invocation(format!("{full}: {e}")))
}

/// Salt's words for unexpected keywords.
fn invalid_keywords(keys: &[String], full: &str) -> String {
    match keys {
        [one] => format!("'{one}' is an invalid keyword argument for '{full}'"),
        [init @ .., last] => {
            let init: Vec<String> = init.iter().map(|k| format!("'{k}'")).collect();
            format!(
                "{} and '{last}' are invalid keyword arguments for '{full}'",
                init.join(", ")
            )
        }
        [] => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn chunk(v: Value) -> LowChunk {
        LowChunk::from_map(v.as_object().cloned().unwrap()).unwrap()
    }

    #[test]
    fn names_are_sorted_unique_and_documented() {
        let mut sorted = NAMES.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted, NAMES, "keep state_registry! sorted and unique");
        for n in NAMES {
            assert!(state_doc(n).is_some_and(|d| !d.is_empty()), "{n}");
        }
        assert!(has_state("test.nop") && !has_state("test.nope"));
    }

    #[test]
    fn internal_keywords_are_not_passed_and_unknown_ones_refused() {
        let low = chunk(
            json!({"state": "test", "fun": "configurable_test_state", "name": "x",
            "__id__": "x", "order": 1, "require": [], "foo": 1, "bar": 2, "baz": 3}),
        );
        let e = bind_state("test.configurable_test_state", &low).unwrap_err();
        assert_eq!(
            e,
            StateError::Invocation(
                "'foo', 'bar' and 'baz' are invalid keyword arguments for 'test.configurable_test_state'".into()
            )
        );
        let low =
            chunk(json!({"state": "test", "fun": "nop", "name": "x", "order": 1, "anything": 1}));
        assert_eq!(bind_state("test.nop", &low).unwrap().name(), "test.nop");
        assert_eq!(
            invalid_keywords(&["a".into()], "m.f"),
            "'a' is an invalid keyword argument for 'm.f'"
        );
    }
}
