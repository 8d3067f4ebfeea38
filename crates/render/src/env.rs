//! The Jinja environment of one render: Salt's filters and globals on a
//! shared base, then per render the loader (through [`Host::get_file`],
//! with the `rewrite.rs` pre-pass), whitespace options from `opts`, and
//! the context variables as globals (so that imported templates and macros
//! see them without `with context`, as in Salt, where they are globals too).

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use minijinja::syntax::SyntaxConfig;
use minijinja::value::{Value, ValueKind};
use minijinja::{Environment, Error, ErrorKind, State, UndefinedBehavior};
use serde_json::Value as Json;

use crate::context::{Context, sls_context};
use crate::error::{RenderError, Stage};
use crate::rewrite::{self, ColumnMap, IMPORT_FN, LOAD_FN, MUT_FN, PYFMT_FN};
use crate::salt_obj::{CALL_ERROR_PREFIX, SaltObject};
use crate::undefined;
use crate::value::{from_json, to_mutable};
use crate::{Host, filters, pyrepr};

/// Name of the root template when the context has no path.
pub const STRING_NAME: &str = "<string>";

/// Renders `text` as a Jinja template in `cx`.
pub fn render_jinja(host: &Arc<dyn Host>, cx: &Context, text: &str) -> Result<String, RenderError> {
    let syntax = syntax_config(cx).map_err(|e| {
        RenderError::at(Stage::Jinja, &root_name(cx), None, None, None, e)
            .with_sls(cx.sls.as_deref())
    })?;
    let sources: Sources = Arc::new(Mutex::new(HashMap::new()));
    let mut env = BASE.clone();
    env.set_syntax(syntax.clone());
    install_loader(
        &mut env,
        host.clone(),
        cx.saltenv.clone(),
        syntax.clone(),
        sources.clone(),
    );
    install_globals(&mut env, host, cx);

    let name = root_name(cx);
    let rewritten = rewrite::rewrite(text, &name, &syntax);
    lock(&sources).insert(
        name.clone(),
        Source {
            original: text.to_owned(),
            rewritten: rewritten.source.clone(),
            columns: rewritten.columns,
        },
    );
    let result = env
        .add_template_owned(name.clone(), rewritten.source)
        .and_then(|()| env.get_template(&name))
        .and_then(|t| t.render(()));
    match result {
        Ok(mut out) => {
            // Jinja drops one trailing newline; Salt puts it back.
            if text.ends_with('\n') {
                out.push('\n');
            }
            Ok(out)
        }
        Err(e) => Err(convert_error(&e, &name, &sources).with_sls(cx.sls.as_deref())),
    }
}

/// One template of a render as written and as compiled.
struct Source {
    original: String,
    rewritten: String,
    columns: ColumnMap,
}

/// Every template of a render, by name.
type Sources = Arc<Mutex<HashMap<String, Source>>>;

fn lock(s: &Sources) -> std::sync::MutexGuard<'_, HashMap<String, Source>> {
    s.lock().unwrap_or_else(|e| e.into_inner())
}

fn root_name(cx: &Context) -> String {
    cx.template_name().unwrap_or_else(|| STRING_NAME.to_owned())
}

/// Filters, tests and functions shared by every render.
static BASE: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
    env.set_unknown_method_callback(unknown_method);
    env.set_formatter(|out, _state, value| {
        if let (ValueKind::String, Some(s)) = (value.kind(), value.as_str()) {
            out.write_str(s).map_err(Error::from)
        } else if value.is_undefined() {
            Ok(())
        } else {
            out.write_str(&pyrepr::repr(value)).map_err(Error::from)
        }
    });
    env.set_path_join_callback(join_path);
    env.add_function(MUT_FN, |v: Value| to_mutable(v));
    env.add_function(LOAD_FN, load_fn);
    env.add_function(IMPORT_FN, import_fn);
    env.add_function(PYFMT_FN, pyfmt_fn);
    filters::register(&mut env);
    env
});

/// Methods our containers do not define fall back to minijinja-contrib's
/// Python compatibility layer (string methods and the like).
fn unknown_method(
    state: &mut State<'_, '_>,
    value: &Value,
    method: &str,
    args: &[Value],
) -> Result<Value, Error> {
    if let (ValueKind::String, Some(s)) = (value.kind(), value.as_str())
        && let Some(r) = crate::strmethods::call(s, method, args)
    {
        return r;
    }
    minijinja_contrib::pycompat::unknown_method_callback(state, value, method, args).map_err(|e| {
        if e.kind() == ErrorKind::UnknownMethod {
            Error::new(
                ErrorKind::UnknownMethod,
                format!(
                    "'{}' object has no attribute '{method}'",
                    pyrepr::type_name(value)
                ),
            )
        } else {
            e
        }
    })
}

/// `"fmt" % args`: Python's printf-style formatting; a tuple spreads into
/// the arguments, a dict serves `%(name)s`.
fn pyfmt_fn(state: &mut State<'_, '_>, format: Value, args: Value) -> Result<Value, Error> {
    let mut call = vec![format];
    if args.is_tuple() {
        call.extend(args.try_iter()?);
    } else {
        call.push(args);
    }
    state.apply_filter("format", &call)
}

/// `{% load_yaml as x %}`: the captured text parsed.
fn load_fn(state: &State<'_, '_>, format: String, text: Value) -> Result<Value, Error> {
    let text = text
        .as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| text.to_string());
    parse_as(&format, &text, state.name())
}

/// `{% import_yaml 'f' as x %}`: the file rendered as a template (with the
/// globals, as Jinja renders an import without context), then parsed.
fn import_fn(state: &State<'_, '_>, format: String, name: String) -> Result<Value, Error> {
    let tmpl = state.get_template(&name)?;
    let text = tmpl.render(())?;
    parse_as(&format, &text, tmpl.name())
}

fn parse_as(format: &str, text: &str, name: &str) -> Result<Value, Error> {
    match format {
        "yaml" => crate::yaml::load_for_template(text, name).map(|j| from_json(&j)),
        "json" => serde_json::from_str::<Json>(text)
            .map(|j| from_json(&j))
            .map_err(|e| {
                Error::new(
                    ErrorKind::InvalidOperation,
                    format!("Unable to load json from {}: {e}", abbreviate(text)),
                )
            }),
        _ => Ok(Value::from(text)),
    }
}

fn abbreviate(text: &str) -> String {
    let mut s: String = text.chars().take(60).collect();
    if s.len() < text.len() {
        s.push_str("...");
    }
    s
}

/// Joins `./x` and `../x` to the importing template's directory; other
/// names are relative to the saltenv root. `salt://` is dropped. A path that
/// climbs out of the root keeps its `..` and the loader refuses it.
fn join_path<'s>(name: &'s str, parent: &'s str) -> Cow<'s, str> {
    let name = name.strip_prefix("salt://").unwrap_or(name);
    let first = name.split('/').next().unwrap_or("");
    if first != "." && first != ".." {
        return Cow::Borrowed(name);
    }
    let mut parts: Vec<&str> = parent.split('/').collect();
    parts.pop();
    let mut escaped = false;
    for seg in name.split('/') {
        match seg {
            "." | "" => {}
            ".." => {
                if parts.pop().is_none() {
                    escaped = true;
                }
            }
            s => parts.push(s),
        }
    }
    if escaped {
        return Cow::Owned(format!("../{name}"));
    }
    Cow::Owned(parts.join("/"))
}

fn install_loader(
    env: &mut Environment<'static>,
    host: Arc<dyn Host>,
    saltenv: String,
    syntax: SyntaxConfig,
    sources: Sources,
) {
    env.set_loader(move |name: &str| {
        let path = name.strip_prefix("salt://").unwrap_or(name);
        if path.is_empty()
            || path.starts_with('/')
            || path.contains('\0')
            || path.split('/').any(|s| s == "..")
        {
            return Err(Error::new(
                ErrorKind::TemplateNotFound,
                format!("template '{name}' is outside the file roots"),
            ));
        }
        let text = host.get_file(&saltenv, path).map_err(|e| {
            Error::new(
                ErrorKind::TemplateNotFound,
                format!("template '{name}' could not be read: {e}"),
            )
        })?;
        Ok(text.map(|text| {
            let rewritten = rewrite::rewrite(&text, name, &syntax);
            lock(&sources).insert(
                name.to_owned(),
                Source {
                    original: text,
                    rewritten: rewritten.source.clone(),
                    columns: rewritten.columns,
                },
            );
            rewritten.source
        }))
    });
}

fn install_globals(env: &mut Environment<'static>, host: &Arc<dyn Host>, cx: &Context) {
    env.add_global("salt", Value::from_object(SaltObject::new(host.clone())));
    // Salt's `ifelse` global is the `match.ifelse` execution function.
    env.add_global(
        "ifelse",
        crate::salt_obj::function(host.clone(), "match.ifelse"),
    );
    env.add_global("grains", from_json(&object_or_empty(&cx.grains)));
    env.add_global("pillar", from_json(&object_or_empty(&cx.pillar)));
    env.add_global("opts", from_json(&object_or_empty(&cx.opts)));
    env.add_global("saltenv", Value::from(cx.saltenv.as_str()));
    if let Some(sls) = cx.sls.as_deref() {
        env.add_global("sls", Value::from(sls));
        for (k, v) in sls_context(cx.tplpath.as_deref(), sls) {
            env.add_global(k, from_json(&v));
        }
    }
    for (k, v) in &cx.extra {
        env.add_global(k.clone(), from_json(v));
    }
}

/// `v`, or `{}` for null: borrowed, since a pillar can be large and is
/// handed to every template.
fn object_or_empty(v: &Json) -> Cow<'_, Json> {
    if v.is_null() {
        Cow::Owned(Json::Object(serde_json::Map::new()))
    } else {
        Cow::Borrowed(v)
    }
}

/// Whitespace and delimiter options from `opts`, as Salt reads them:
/// `jinja_sls_env` for SLS files, `jinja_env` for other templates, and the
/// older `jinja_trim_blocks` / `jinja_lstrip_blocks` switches for both.
fn syntax_config(cx: &Context) -> Result<SyntaxConfig, String> {
    let opts = &cx.opts;
    let key = if cx.sls.as_deref().is_some_and(|s| !s.is_empty()) {
        "jinja_sls_env"
    } else {
        "jinja_env"
    };
    let mut b = SyntaxConfig::builder();
    let table = opts.get(key).and_then(Json::as_object);
    let get_bool = |k: &str| table.and_then(|t| t.get(k)).and_then(Json::as_bool);
    let get_str = |k: &str| table.and_then(|t| t.get(k)).and_then(Json::as_str);
    let flag = |k: &str| opts.get(k).and_then(Json::as_bool).unwrap_or(false);
    b.trim_blocks(flag("jinja_trim_blocks") || get_bool("trim_blocks").unwrap_or(false));
    b.lstrip_blocks(flag("jinja_lstrip_blocks") || get_bool("lstrip_blocks").unwrap_or(false));
    b.keep_trailing_newline(get_bool("keep_trailing_newline").unwrap_or(false));
    if let (Some(s), Some(e)) = (get_str("block_start_string"), get_str("block_end_string")) {
        b.block_delimiters(s.to_owned(), e.to_owned());
    }
    if let (Some(s), Some(e)) = (
        get_str("variable_start_string"),
        get_str("variable_end_string"),
    ) {
        b.variable_delimiters(s.to_owned(), e.to_owned());
    }
    if let (Some(s), Some(e)) = (
        get_str("comment_start_string"),
        get_str("comment_end_string"),
    ) {
        b.comment_delimiters(s.to_owned(), e.to_owned());
    }
    if let Some(p) = get_str("line_statement_prefix") {
        b.line_statement_prefix(p.to_owned());
    }
    if let Some(p) = get_str("line_comment_prefix") {
        b.line_comment_prefix(p.to_owned());
    }
    b.build()
        .map_err(|e| format!("bad {key} in the minion config: {e}"))
}

/// A minijinja error as a [`RenderError`] in Salt's words, located in the
/// user's source (not the rewritten one).
fn convert_error(e: &Error, root: &str, sources: &Sources) -> RenderError {
    // An error inside an imported or included template comes wrapped in one
    // at the import; the innermost located one is the user's error.
    let mut e = e;
    let mut cur: &dyn std::error::Error = e;
    while let Some(next) = cur.source() {
        if let Some(inner) = next.downcast_ref::<Error>()
            && inner.line().is_some()
        {
            e = inner;
        }
        cur = next;
    }
    let name = e.name().unwrap_or(root).to_owned();
    let srcs = lock(sources);
    let entry = srcs.get(&name);
    let line = e.line();
    let col = match (entry, line, e.range()) {
        (Some(src), Some(l), Some(range)) => {
            column_of(&src.rewritten, range.start).map(|c| src.columns.original(l, c))
        }
        _ => None,
    };
    let mut message = salt_message(e);
    let source = entry.map(|s| s.original.as_str());
    // A failing call minijinja has no span for: Salt's line is that of the
    // statement the call is in.
    let line = match (source, line, col) {
        (Some(src), Some(l), None) if e.kind() != ErrorKind::SyntaxError => {
            Some(crate::error::tag_start_line(src, l))
        }
        _ => line,
    };
    if let (Some(src), Some(origin)) = (source, undefined::origin_line(&message))
        && let Some(name) = message
            .strip_prefix("Jinja variable '")
            .and_then(|m| m.split_once('\'').map(|(n, _)| n))
        && let Some(better) = undefined::from_import_message(src, origin, name)
    {
        message = better;
    }
    RenderError::at(Stage::Jinja, &name, source, line, col, message)
}

/// The 1-based column of byte `offset` in `src`.
fn column_of(src: &str, offset: usize) -> Option<usize> {
    let before = src.get(..offset)?;
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    Some(before[line_start..].chars().count() + 1)
}

/// The function named by minijinja's "`salt['x.y']` is undefined" (or
/// `salt.x.y`) in an error detail.
fn missing_salt_function(detail: &str) -> Option<String> {
    let start = detail.find("`salt")?;
    let rest = &detail[start + 5..];
    let end = rest.find("` is undefined")?;
    let expr = &rest[..end];
    let name = if let Some(idx) = expr.strip_prefix("['").or_else(|| expr.strip_prefix("[\"")) {
        idx.trim_end_matches(['\'', '"', ']'])
    } else {
        expr.strip_prefix('.')?
    };
    Some(name.to_owned())
}

/// The variable named by a trailing "(`x` is undefined)" in an error
/// detail (an operation on an undefined value).
fn undefined_operand(detail: &str) -> Option<&str> {
    let inner = detail.strip_suffix("` is undefined)")?;
    let start = inner.rfind("(`")?;
    Some(&inner[start + 2..])
}

/// Salt's wording: `Jinja variable ...` for undefined values, `Jinja syntax
/// error: ...`, `Problem running salt function in Jinja template: ...`,
/// `Jinja error: ...` for the rest.
fn salt_message(e: &Error) -> String {
    let detail = e.detail().unwrap_or("").to_owned();
    let detail = detail
        .replace(MUT_FN, "")
        .replace(IMPORT_FN, "import")
        .replace(LOAD_FN, "load");
    if detail.starts_with(CALL_ERROR_PREFIX) {
        return detail;
    }
    if let Some(fun) = missing_salt_function(&detail) {
        return format!("Jinja error: '{fun}' is not available.");
    }
    if let Some(var) = undefined_operand(&detail) {
        return format!("Jinja variable '{var}' is undefined");
    }
    match e.kind() {
        ErrorKind::UndefinedError => {
            if detail.is_empty() {
                "Jinja variable is undefined".to_owned()
            } else {
                format!("Jinja variable {}", detail.replace('`', "'"))
            }
        }
        ErrorKind::SyntaxError => format!("Jinja syntax error: {detail}"),
        ErrorKind::UnknownFilter | ErrorKind::UnknownTest => {
            format!(
                "Jinja syntax error: {}",
                if detail.is_empty() {
                    e.kind().to_string()
                } else {
                    detail
                }
            )
        }
        ErrorKind::TemplateNotFound => format!("Jinja error: {detail}"),
        _ => {
            if detail.is_empty() {
                format!("Jinja error: {}", e.kind())
            } else {
                format!("Jinja error: {detail}")
            }
        }
    }
}
