//! The one list of execution functions. Each line of `exec_registry!` names a
//! function and its argument struct; the macro writes the closed
//! [`ExecCall`] enum, the name -> args parsing, the exhaustive dispatch and
//! the list behind `sys.list_functions` / `sys.doc`. Binding Salt-style
//! arguments (positional values and `key=value` pairs) to the typed struct
//! lives here too, so modules never see untyped input.

use std::future::Future;
use std::pin::Pin;

use salt_state::field_names;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::error::{EX_GENERIC, ExecError, py_str};
use crate::{Ctx, ExecResult, modules};

/// One execution function: its argument struct implements this.
///
/// The struct is the function's whole signature: every field is a parameter,
/// `#[serde(deny_unknown_fields)]` refuses the rest. The constants say how
/// Salt's positional arguments map onto the fields.
pub trait ExecFn: DeserializeOwned + Send + 'static {
    /// Parameters that may also be given by position, in Salt's order.
    const POSITIONAL: &'static [&'static str];
    /// How many leading entries of `POSITIONAL` are required.
    const REQUIRED: usize = 0;
    /// Surplus positional values go to the field `args` (Python `*args`).
    const VARARGS: bool = false;
    /// Unknown keyword arguments go to the field `kwargs` (Python `**kwargs`).
    const VARKWARGS: bool = false;
    /// Shown by `sys.doc` and after argument errors; ends with a CLI example.
    const DOC: &'static str;
    /// What the call returns; [`Ret`] when it also sets a retcode.
    type Output: IntoReturn;

    fn call(self, cx: &Ctx) -> impl Future<Output = Result<Self::Output, ExecError>> + Send;
}

/// A return value plus the retcode the job reports (Salt's
/// `__context__["retcode"]`).
#[derive(Debug, Clone, PartialEq)]
pub struct Ret<T> {
    pub value: T,
    pub retcode: i32,
}

/// A function's output turned into the job return.
#[derive(Debug, Clone, PartialEq)]
pub struct Returned {
    pub ret: Value,
    pub retcode: i32,
}

/// Outputs a function may return.
pub trait IntoReturn {
    fn into_return(self) -> Returned;
}

exec_registry! {
    "archive.is_encrypted" => ArchiveIsEncrypted(modules::archive::IsEncrypted),
    "archive.list"       => ArchiveList(modules::archive::List),
    "archive.untar"      => ArchiveUntar(modules::archive::Untar),
    "archive.unzip"      => ArchiveUnzip(modules::archive::Unzip),
    "cmd.has_exec"       => CmdHasExec(modules::cmd_which::HasExec),
    "cmd.retcode"        => CmdRetcode(modules::cmd::Retcode),
    "cmd.run"            => CmdRun(modules::cmd::Run),
    "cmd.run_all"        => CmdRunAll(modules::cmd::RunAll),
    "cmd.run_stdout"     => CmdRunStdout(modules::cmd::RunStdout),
    "cmd.script"         => CmdScript(modules::cmd_script::Script),
    "cmd.script_retcode" => CmdScriptRetcode(modules::cmd_script::ScriptRetcode),
    "cmd.shell"          => CmdShell(modules::cmd::Shell),
    "cmd.which"          => CmdWhich(modules::cmd_which::Which),
    "config.get"         => ConfigGet(modules::config::Get),
    "cp.cache_dir"       => CpCacheDir(modules::cp::CacheDir),
    "cp.cache_file"      => CpCacheFile(modules::cp::CacheFile),
    "cp.envs"            => CpEnvs(modules::cp::Envs),
    "cp.get_dir"         => CpGetDir(modules::cp::GetDir),
    "cp.get_file"        => CpGetFile(modules::cp::GetFile),
    "cp.get_file_str"    => CpGetFileStr(modules::cp::GetFileStr),
    "cp.get_template"    => CpGetTemplate(modules::cp::GetTemplate),
    "cp.hash_file"       => CpHashFile(modules::cp::HashFile),
    "cp.is_cached"       => CpIsCached(modules::cp::IsCached),
    "cp.list_master"     => CpListMaster(modules::cp::ListMaster),
    "cp.list_master_dirs" => CpListMasterDirs(modules::cp::ListMasterDirs),
    "cp.list_states"     => CpListStates(modules::cp::ListStates),
    "defaults.deepcopy"  => DefaultsDeepcopy(modules::defaults::Deepcopy),
    "defaults.merge"     => DefaultsMerge(modules::defaults::Merge),
    "defaults.update"    => DefaultsUpdate(modules::defaults::Update),
    "event.send"         => EventSend(modules::event::Send),
    "file.apply_template_on_contents" => FileApplyTemplateOnContents(modules::file_template::ApplyTemplateOnContents),
    "file.basename"      => FileBasename(modules::file_path::Basename),
    "file.check_hash"    => FileCheckHash(modules::file_hash::CheckHash),
    "file.directory_exists" => FileDirectoryExists(modules::file_path::DirectoryExists),
    "file.dirname"       => FileDirname(modules::file_path::Dirname),
    "file.extract_hash"  => FileExtractHash(modules::file_hash::ExtractHash),
    "file.file_exists"   => FileFileExists(modules::file_path::FileExists),
    "file.get_hash"      => FileGetHash(modules::file_hash::GetHash),
    "file.get_source_sum" => FileGetSourceSum(modules::file_hash::GetSourceSum),
    "file.group_to_gid"  => FileGroupToGid(modules::file_ids::GroupToGid),
    "file.join"          => FileJoin(modules::file_path::Join),
    "file.user_to_uid"   => FileUserToUid(modules::file_ids::UserToUid),
    "grains.filter_by"   => GrainsFilterBy(modules::grains::FilterBy),
    "grains.get"         => GrainsGet(modules::grains::Get),
    "grains.item"        => GrainsItem(modules::grains::Item),
    "grains.items"       => GrainsItems(modules::grains::Items),
    "grains.ls"          => GrainsLs(modules::grains::Ls),
    "group.add"          => GroupAdd(modules::group::Add),
    "group.adduser"      => GroupAdduser(modules::group::Adduser),
    "group.chgid"        => GroupChgid(modules::group::Chgid),
    "group.delete"       => GroupDelete(modules::group::Delete),
    "group.deluser"      => GroupDeluser(modules::group::Deluser),
    "group.getent"       => GroupGetent(modules::group::Getent),
    "group.info"         => GroupInfo(modules::group::Info),
    "group.members"      => GroupMembers(modules::group::Members),
    "kmod.available"     => KmodAvailable(modules::kmod::Available),
    "kmod.check_available" => KmodCheckAvailable(modules::kmod::CheckAvailable),
    "kmod.is_loaded"     => KmodIsLoaded(modules::kmod::IsLoaded),
    "kmod.load"          => KmodLoad(modules::kmod::Load),
    "kmod.lsmod"         => KmodLsmod(modules::kmod::Lsmod),
    "kmod.mod_list"      => KmodModList(modules::kmod::ModList),
    "kmod.remove"        => KmodRemove(modules::kmod::Remove),
    "lowpkg.bin_pkg_info" => LowpkgBinPkgInfo(modules::lowpkg::BinPkgInfo),
    "mine.get"           => MineGet(modules::mine::Get),
    "pillar.data"        => PillarData(modules::pillar::Data),
    "pillar.fetch"       => PillarFetch(modules::pillar::Fetch),
    "pillar.filter_by"   => PillarFilterBy(modules::pillar::FilterBy),
    "pillar.get"         => PillarGet(modules::pillar::Get),
    "pillar.item"        => PillarItem(modules::pillar::Item),
    "pillar.items"       => PillarItems(modules::pillar::Items),
    "pillar.keys"        => PillarKeys(modules::pillar::Keys),
    "pillar.ls"          => PillarLs(modules::pillar::Ls),
    "pillar.obfuscate"   => PillarObfuscate(modules::pillar::Obfuscate),
    "pillar.raw"         => PillarRaw(modules::pillar::Raw),
    "pkg.del_repo"       => PkgDelRepo(modules::pkg::DelRepo),
    "pkg.expand_repo_def" => PkgExpandRepoDef(modules::pkg::ExpandRepoDef),
    "pkg.get_repo"       => PkgGetRepo(modules::pkg::GetRepo),
    "pkg.install"        => PkgInstall(modules::pkg::Install),
    "pkg.latest_version" => PkgLatestVersion(modules::pkg::LatestVersion),
    "pkg.list_pkgs"      => PkgListPkgs(modules::pkg::ListPkgs),
    "pkg.list_repo_pkgs" => PkgListRepoPkgs(modules::pkg::ListRepoPkgs),
    "pkg.list_repos"     => PkgListRepos(modules::pkg::ListRepos),
    "pkg.mod_repo"       => PkgModRepo(modules::pkg::ModRepo),
    "pkg.normalize_name" => PkgNormalizeName(modules::pkg::NormalizeName),
    "pkg.purge"          => PkgPurge(modules::pkg::Purge),
    "pkg.refresh_db"     => PkgRefreshDb(modules::pkg::RefreshDb),
    "pkg.remove"         => PkgRemove(modules::pkg::Remove),
    "pkg.upgrade_available" => PkgUpgradeAvailable(modules::pkg::UpgradeAvailable),
    "pkg.version"        => PkgVersion(modules::pkg::Version),
    "pkg.version_cmp"    => PkgVersionCmp(modules::pkg::VersionCmp),
    "saltutil.find_job"  => SaltutilFindJob(modules::saltutil::FindJob),
    "saltutil.kill_job"  => SaltutilKillJob(modules::saltutil::KillJob),
    "saltutil.refresh_pillar" => SaltutilRefreshPillar(modules::saltutil::RefreshPillar),
    "saltutil.running"   => SaltutilRunning(modules::saltutil::Running),
    "service.available"  => ServiceAvailable(modules::service::Available),
    "service.disable"    => ServiceDisable(modules::service::Disable),
    "service.disabled"   => ServiceDisabled(modules::service::Disabled),
    "service.enable"     => ServiceEnable(modules::service::Enable),
    "service.enabled"    => ServiceEnabled(modules::service::Enabled),
    "service.force_reload" => ServiceForceReload(modules::service::ForceReload),
    "service.get_all"    => ServiceGetAll(modules::service::GetAll),
    "service.mask"       => ServiceMask(modules::service::Mask),
    "service.masked"     => ServiceMasked(modules::service::Masked),
    "service.missing"    => ServiceMissing(modules::service::Missing),
    "service.offline"    => ServiceOffline(modules::service::Offline),
    "service.reload"     => ServiceReload(modules::service::Reload),
    "service.restart"    => ServiceRestart(modules::service::Restart),
    "service.start"      => ServiceStart(modules::service::Start),
    "service.status"     => ServiceStatus(modules::service::Status),
    "service.stop"       => ServiceStop(modules::service::Stop),
    "service.systemctl_reload" => ServiceSystemctlReload(modules::service::SystemctlReload),
    "service.unmask"     => ServiceUnmask(modules::service::Unmask),
    "slsutil.merge"      => SlsutilMerge(modules::slsutil::Merge),
    "slsutil.renderer"   => SlsutilRenderer(modules::slsutil::Renderer),
    "slsutil.update"     => SlsutilUpdate(modules::slsutil::Update),
    "state.apply"        => StateApply(modules::state::Apply),
    "state.highstate"    => StateHighstate(modules::state::Highstate),
    "state.show_graph"   => StateShowGraph(modules::state::ShowGraph),
    "state.show_highstate" => StateShowHighstate(modules::state::ShowHighstate),
    "state.show_low_sls" => StateShowLowSls(modules::state::ShowLowSls),
    "state.show_lowstate" => StateShowLowstate(modules::state::ShowLowstate),
    "state.show_sls"     => StateShowSls(modules::state::ShowSls),
    "state.show_top"     => StateShowTop(modules::state::ShowTop),
    "state.single"       => StateSingle(modules::state::Single),
    "state.sls"          => StateSls(modules::state::Sls),
    "state.sls_id"       => StateSlsId(modules::state::SlsId),
    "state.test"         => StateTest(modules::state::Test),
    "sys.doc"            => SysDoc(modules::sys::Doc),
    "sys.list_functions" => SysListFunctions(modules::sys::ListFunctions),
    "sysctl.assign"      => SysctlAssign(modules::sysctl::Assign),
    "sysctl.default_config" => SysctlDefaultConfig(modules::sysctl::DefaultConfig),
    "sysctl.get"         => SysctlGet(modules::sysctl::Get),
    "sysctl.persist"     => SysctlPersist(modules::sysctl::Persist),
    "sysctl.show"        => SysctlShow(modules::sysctl::Show),
    "test.arg"           => TestArg(modules::test::Arg),
    "test.echo"          => TestEcho(modules::test::Echo),
    "test.false"         => TestFalse(modules::test::False),
    "test.ping"          => TestPing(modules::test::Ping),
    "test.retcode"       => TestRetcode(modules::test::Retcode),
    "test.sleep"         => TestSleep(modules::test::Sleep),
    "test.true"          => TestTrue(modules::test::True),
    "test.version"       => TestVersion(modules::test::Version),
    "user.add"           => UserAdd(modules::user::Add),
    "user.chfullname"    => UserChfullname(modules::user::Chfullname),
    "user.chgid"         => UserChgid(modules::user::Chgid),
    "user.chgroups"      => UserChgroups(modules::user::Chgroups),
    "user.chhome"        => UserChhome(modules::user::Chhome),
    "user.chhomephone"   => UserChhomephone(modules::user::Chhomephone),
    "user.chother"       => UserChother(modules::user::Chother),
    "user.chroomnumber"  => UserChroomnumber(modules::user::Chroomnumber),
    "user.chshell"       => UserChshell(modules::user::Chshell),
    "user.chuid"         => UserChuid(modules::user::Chuid),
    "user.chworkphone"   => UserChworkphone(modules::user::Chworkphone),
    "user.delete"        => UserDelete(modules::user::Delete),
    "user.getent"        => UserGetent(modules::user::Getent),
    "user.info"          => UserInfo(modules::user::Info),
    "user.list_groups"   => UserListGroups(modules::user::ListGroups),
    "user.list_users"    => UserListUsers(modules::user::ListUsers),
}

/// Calls a function by name from inside another one (`cmd.script` fetching
/// its source through `cp.cache_file`). Boxed, because the registry's
/// future holds every function's future, the caller's included.
pub(crate) fn call_boxed<'a>(
    fun: &'a str,
    args: Vec<Value>,
    kwargs: Map<String, Value>,
    cx: &'a Ctx,
) -> Pin<Box<dyn Future<Output = Result<Returned, ExecError>> + Send + 'a>> {
    Box::pin(async move { parse_call(fun, args, kwargs)?.try_call(cx).await })
}

/// Every function name, sorted (what `sys.list_functions` returns).
pub fn list_functions() -> &'static [&'static str] {
    NAMES
}

/// `sys.doc` for the names matching a glob, in list order.
pub(crate) fn docs_matching(pattern: &str) -> Map<String, Value> {
    NAMES
        .iter()
        .filter(|n| fnmatch(pattern, n))
        .filter_map(|n| doc_of(n).map(|d| (n.to_string(), Value::String(d.to_owned()))))
        .collect()
}

/// Shell-style glob as Python's `fnmatch.fnmatchcase`: `*`, `?`, `[seq]`,
/// `[!seq]`; an unclosed `[` is literal (salt-target's implementation).
pub(crate) fn fnmatch(pattern: &str, name: &str) -> bool {
    salt_target::fnmatchcase(name, pattern)
}

/// Writes everything derived from the list; see the module docs.
macro_rules! exec_registry {
    ($($name:literal => $variant:ident($ty:ty)),+ $(,)?) => {
        /// A parsed call: one variant per registered function, holding that
        /// function's typed arguments. Built only by [`parse_call`]; lives
        /// for one call, so variant sizes do not matter.
        #[derive(Debug)]
        #[allow(clippy::large_enum_variant)]
        pub enum ExecCall {
            $($variant($ty)),+
        }

        const NAMES: &[&str] = &[$($name),+];

        pub(crate) fn doc_of(name: &str) -> Option<&'static str> {
            match name {
                $($name => Some(<$ty as ExecFn>::DOC),)+
                _ => None,
            }
        }

        /// Binds Salt-style arguments to the named function. Positional
        /// values are already YAML-typed; `kwargs` is a map. A trailing
        /// positional map with `"__kwarg__": true` (Salt's wire form of
        /// keyword arguments) is merged into `kwargs`.
        pub fn parse_call(
            fun: &str,
            args: Vec<Value>,
            kwargs: Map<String, Value>,
        ) -> Result<ExecCall, ExecError> {
            let (args, kwargs) = merge_kwarg_maps(args, kwargs);
            match fun {
                $($name => bind::<$ty>($name, args, kwargs).map(ExecCall::$variant),)+
                _ => Err(ExecError::NotAvailable(fun.to_owned())),
            }
        }

        impl ExecCall {
            /// The registered name (`"test.ping"`).
            pub fn name(&self) -> &'static str {
                match self {
                    $(Self::$variant(_) => $name,)+
                }
            }

            /// Runs the call. Errors become Salt's error returns.
            pub async fn call(self, cx: &Ctx) -> ExecResult {
                let name = self.name();
                let out = match self {
                    $(Self::$variant(f) => f.call(cx).await.map(IntoReturn::into_return),)+
                };
                finish(name, out)
            }

            /// Runs the call as `salt-call` does: like [`ExecCall::call`],
            /// except that a `CommandExecutionError` ([`ExecError::Command`])
            /// stays an error, which salt-call prints to stderr as
            /// `Error running 'fun': ...` (exit code 1, nothing on stdout).
            pub async fn call_cli(self, cx: &Ctx) -> Result<ExecResult, ExecError> {
                let name = self.name();
                match self.try_call(cx).await {
                    Err(e @ ExecError::Command(_)) => Err(e),
                    out => Ok(finish(name, out)),
                }
            }

            /// Runs the call and keeps an error an error (the state system
            /// tells a failed call from a returned string this way). The
            /// retcode is the function's own, without [`ExecCall::call`]'s
            /// "a dict with a false `result` fails the job" rule.
            pub async fn try_call(self, cx: &Ctx) -> Result<Returned, ExecError> {
                let name = self.name();
                let out = match self {
                    $(Self::$variant(f) => f.call(cx).await.map(IntoReturn::into_return),)+
                };
                out.map_err(|e| e.in_fun(name))
            }
        }
    };
}
use exec_registry;

fn finish(name: &str, out: Result<Returned, ExecError>) -> ExecResult {
    match out {
        Ok(Returned { ret, mut retcode }) => {
            // Salt: with no retcode set, a dict return whose "result" or
            // "success" is falsy still fails the job.
            if retcode == 0 && reports_failure(&ret) {
                retcode = EX_GENERIC;
            }
            ExecResult {
                ret,
                retcode,
                success: retcode == 0,
            }
        }
        Err(e) => e.in_fun(name).into_result(),
    }
}

fn reports_failure(ret: &Value) -> bool {
    let Value::Object(m) = ret else { return false };
    ["result", "success"]
        .iter()
        .any(|k| m.get(*k).is_some_and(|v| !truthy(v)))
}

/// Python truthiness of a JSON value (`bool(x)`): what Salt's functions
/// make of flags such as `missing=True` or `pretty=1`.
pub use salt_yaml::pyrepr::truthy;

fn merge_kwarg_maps(
    args: Vec<Value>,
    mut kwargs: Map<String, Value>,
) -> (Vec<Value>, Map<String, Value>) {
    let mut plain = Vec::with_capacity(args.len());
    for a in args {
        match a {
            Value::Object(mut m) if m.get("__kwarg__") == Some(&Value::Bool(true)) => {
                m.remove("__kwarg__");
                for (k, v) in m {
                    kwargs.entry(k).or_insert(v);
                }
            }
            other => plain.push(other),
        }
    }
    (plain, kwargs)
}

/// Python's argument binding, with Salt's check for invalid keywords first.
fn bind<T: ExecFn>(
    fun: &'static str,
    args: Vec<Value>,
    kwargs: Map<String, Value>,
) -> Result<T, ExecError> {
    let fields = field_names::<T>();
    let short = fun.rsplit('.').next().unwrap_or(fun);
    let invalid_args = |reason: String| ExecError::InvalidArgs {
        fun: fun.to_owned(),
        reason,
        doc: T::DOC,
    };
    let is_named = |k: &str| {
        fields.contains(&k) && !(T::VARARGS && k == "args") && !(T::VARKWARGS && k == "kwargs")
    };

    let mut obj = Map::new();
    let mut extra_kwargs = Map::new();
    let mut invalid = Vec::new();
    for (k, v) in kwargs {
        if is_named(&k) {
            obj.insert(k, v);
        } else if T::VARKWARGS {
            extra_kwargs.insert(k, v);
        } else {
            invalid.push(format!("{k}={}", py_str(&v)));
        }
    }
    if !invalid.is_empty() {
        return Err(ExecError::InvalidKwargs {
            fun: fun.to_owned(),
            invalid,
        });
    }

    let given = args.len();
    let mut extra_args = Vec::new();
    for (i, v) in args.into_iter().enumerate() {
        match T::POSITIONAL.get(i) {
            Some(name) if obj.contains_key(*name) => {
                return Err(invalid_args(format!(
                    "{short}() got multiple values for argument '{name}'"
                )));
            }
            Some(name) => {
                obj.insert((*name).to_owned(), v);
            }
            None if T::VARARGS => extra_args.push(v),
            None => {
                return Err(invalid_args(too_many(
                    short,
                    T::REQUIRED,
                    T::POSITIONAL.len(),
                    given,
                )));
            }
        }
    }

    let missing: Vec<&str> = T::POSITIONAL
        .iter()
        .take(T::REQUIRED)
        .filter(|n| !obj.contains_key(**n))
        .copied()
        .collect();
    if !missing.is_empty() {
        return Err(invalid_args(missing_msg(short, &missing)));
    }

    if T::VARARGS {
        obj.insert("args".into(), Value::Array(extra_args));
    }
    if T::VARKWARGS {
        obj.insert("kwargs".into(), Value::Object(extra_kwargs));
    }
    serde_json::from_value(Value::Object(obj)).map_err(|e| invalid_args(e.to_string()))
}

fn too_many(short: &str, required: usize, max: usize, given: usize) -> String {
    let takes = if required == max {
        format!(
            "{max} positional argument{}",
            if max == 1 { "" } else { "s" }
        )
    } else {
        format!("from {required} to {max} positional arguments")
    };
    let was = if given == 1 { "was" } else { "were" };
    format!("{short}() takes {takes} but {given} {was} given")
}

fn missing_msg(short: &str, missing: &[&str]) -> String {
    let quoted: Vec<String> = missing.iter().map(|m| format!("'{m}'")).collect();
    let list = match quoted.as_slice() {
        [one] => one.clone(),
        [a, b] => format!("{a} and {b}"),
        [init @ .., last] => format!("{}, and {last}", init.join(", ")),
        [] => String::new(),
    };
    let n = missing.len();
    let s = if n == 1 { "" } else { "s" };
    format!("{short}() missing {n} required positional argument{s}: {list}")
}

impl<T: Serialize> IntoReturn for Ret<T> {
    fn into_return(self) -> Returned {
        match serde_json::to_value(&self.value) {
            Ok(ret) => Returned {
                ret,
                retcode: self.retcode,
            },
            Err(e) => Returned {
                ret: Value::String(format!("ERROR: return value could not be encoded: {e}")),
                retcode: EX_GENERIC,
            },
        }
    }
}

macro_rules! into_return_via_value {
    ($($t:ty),+) => {$(
        impl IntoReturn for $t {
            fn into_return(self) -> Returned {
                Returned { ret: Value::from(self), retcode: 0 }
            }
        }
    )+};
}
into_return_via_value!(bool, String, i64, Value, Map<String, Value>, Vec<Value>, Vec<String>);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn kw(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn names_are_sorted_unique_and_all_documented_with_cli_example() {
        let mut sorted = NAMES.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted, NAMES, "keep exec_registry! sorted and unique");
        for n in NAMES {
            let doc = doc_of(n).unwrap_or_default();
            assert!(
                doc.contains(&format!("salt '*' {n}")),
                "{n}: DOC needs a CLI example"
            );
        }
    }

    #[test]
    fn unknown_function_is_not_available() {
        let e = parse_call("no.such_function", vec![], Map::new()).unwrap_err();
        assert_eq!(e.to_string(), "'no.such_function' is not available.");
    }

    #[test]
    fn unknown_kwargs_are_refused_and_named() {
        let e = parse_call("test.ping", vec![], kw(json!({"foo": "bar", "x": true}))).unwrap_err();
        assert_eq!(
            e.to_string(),
            "ERROR executing 'test.ping': The following keyword arguments are not valid: foo=bar, x=True"
        );
        // A typo in a cmd.run option is refused, not swallowed.
        let e = parse_call("cmd.run", vec![json!("true")], kw(json!({"timout": 5}))).unwrap_err();
        assert!(e.to_string().ends_with("not valid: timout=5"), "{e}");
    }

    #[test]
    fn missing_and_surplus_arguments_use_pythons_words_and_the_doc() {
        let e = parse_call("test.echo", vec![], Map::new()).unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.starts_with("Passed invalid arguments to test.echo: echo() missing 1 required positional argument: 'text'\n"),
            "{msg}"
        );
        assert!(msg.contains("salt '*' test.echo"));
        let e = parse_call("test.ping", vec![json!(1)], Map::new()).unwrap_err();
        assert!(
            e.to_string()
                .contains("ping() takes 0 positional arguments but 1 was given")
        );
        let e = parse_call("test.echo", vec![json!("a")], kw(json!({"text": "b"}))).unwrap_err();
        assert!(
            e.to_string()
                .contains("echo() got multiple values for argument 'text'")
        );
        assert_eq!(
            missing_msg("f", &["a", "b", "c"]),
            "f() missing 3 required positional arguments: 'a', 'b', and 'c'"
        );
        assert_eq!(
            too_many("g", 1, 3, 4),
            "g() takes from 1 to 3 positional arguments but 4 were given"
        );
    }

    #[test]
    fn wire_kwarg_maps_become_kwargs() {
        let call = parse_call(
            "test.arg",
            vec![json!(1), json!({"__kwarg__": true, "a": 2})],
            Map::new(),
        )
        .unwrap();
        assert_eq!(call.name(), "test.arg");
        assert!(matches!(call, ExecCall::TestArg(_)));
    }

    #[test]
    fn field_names_come_from_the_derive() {
        let f = field_names::<modules::grains::Get>();
        assert!(f.contains(&"key") && f.contains(&"default") && f.contains(&"delimiter"));
        for n in NAMES {
            // Every POSITIONAL entry must be a real field, else it could never bind.
            let call_ok = parse_call(n, vec![], Map::new());
            if let Err(ExecError::InvalidArgs { reason, .. }) = &call_ok {
                assert!(reason.contains("missing"), "{n}: {reason}");
            }
        }
    }

    #[test]
    fn dict_with_false_result_fails_the_job() {
        let r = finish(
            "x.y",
            Ok(Returned {
                ret: json!({"result": false}),
                retcode: 0,
            }),
        );
        assert_eq!((r.retcode, r.success), (1, false));
        let r = finish(
            "x.y",
            Ok(Returned {
                ret: json!({"result": true}),
                retcode: 0,
            }),
        );
        assert_eq!((r.retcode, r.success), (0, true));
        let r = finish(
            "x.y",
            Ok(Returned {
                ret: json!("s"),
                retcode: 3,
            }),
        );
        assert_eq!((r.retcode, r.success), (3, false));
    }

    #[test]
    fn fnmatch_like_python() {
        assert!(fnmatch("test.*", "test.ping"));
        assert!(fnmatch("*.p?ng", "test.ping"));
        assert!(fnmatch("[st]ys.doc", "sys.doc"));
        assert!(!fnmatch("[!s]ys.doc", "sys.doc"));
        assert!(fnmatch("a[", "a["));
        assert!(!fnmatch("test.*", "sys.doc"));
        assert!(fnmatch("cmd.run*", "cmd.run_all"));
    }

    #[test]
    fn exec_call_future_is_send() {
        fn assert_send<F: Send>(_: &F) {}
        let cx = crate::modules::test_ctx();
        let call = parse_call("test.ping", vec![], Map::new()).unwrap();
        let fut = call.call(&cx);
        assert_send(&fut);
    }
}
