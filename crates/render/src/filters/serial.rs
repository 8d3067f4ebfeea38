//! Serializer filters: `yaml`, `json`, `tojson`, `python`, `load_yaml`,
//! `load_json`, `load_text`, `yaml_dquote`, `yaml_squote`, `yaml_encode`,
//! `dict_to_sls_yaml_params`. Output matches Salt's (`salt.utils.json`,
//! `salt.utils.yaml`, PyYAML, `pprint`).

use minijinja::value::{Value, ValueKind};
use minijinja::{Environment, Error, State};

use super::{Args, fail, flag, params};
use crate::pyjson::{self, JsonOpts};
use crate::value::{from_json, map_entries, to_json};
use crate::{pyrepr, yaml};

pub fn register(env: &mut Environment<'static>) {
    env.add_filter("yaml", yaml_filter);
    env.add_filter("json", json_filter);
    env.add_filter("tojson", tojson);
    env.add_filter("python", python);
    env.add_filter("pprint", python);
    env.add_filter("load_yaml", load_yaml);
    env.add_filter("load_json", load_json);
    env.add_filter("load_text", load_text);
    env.add_filter("yaml_dquote", yaml_dquote);
    env.add_filter("yaml_squote", yaml_squote);
    env.add_filter("yaml_encode", yaml_encode);
    env.add_filter("dict_to_sls_yaml_params", dict_to_sls_yaml_params);
}

/// `value | yaml(flow_style=True)`: PyYAML's `safe_dump`, stripped. Dicts
/// are dumped with sorted keys, as PyYAML does for plain dicts.
fn yaml_filter(value: Value, args: Args) -> Result<Value, Error> {
    let p = params("yaml", &args, &["flow_style"])?;
    let data = sorted_json(&value)?;
    Ok(Value::from_safe_string(yaml::format_yaml(
        &data,
        flag(&p[0], true),
    )))
}

/// `value | json(sort_keys=True, indent=None)`: `salt.utils.json.dumps`
/// (non-ASCII kept).
fn json_filter(value: Value, args: Args) -> Result<Value, Error> {
    let p = params("json", &args, &["sort_keys", "indent"])?;
    let o = JsonOpts {
        sort_keys: flag(&p[0], true),
        indent: indent_of(&p[1])?,
        ensure_ascii: false,
    };
    Ok(Value::from_safe_string(pyjson::dumps(&value, &o)?))
}

/// `value | tojson(indent=None, ...)`: Salt's `tojson`: ASCII only, keys in
/// order, and `<`, `>`, `&`, `'` escaped for HTML.
fn tojson(value: Value, args: Args) -> Result<Value, Error> {
    let p = params("tojson", &args, &["indent", "sort_keys", "ensure_ascii"])?;
    let o = JsonOpts {
        sort_keys: flag(&p[1], false),
        indent: indent_of(&p[0])?,
        ensure_ascii: flag(&p[2], true),
    };
    let text = pyjson::dumps(&value, &o)?
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .replace('\'', "\\u0027");
    Ok(Value::from_safe_string(text))
}

/// `value | python`: `pprint.pformat`, stripped.
fn python(value: Value) -> Result<Value, Error> {
    let data = to_json(&value)?;
    let text = salt_output::render_all(
        salt_output::Format::Pprint,
        &data,
        &salt_output::Options::default(),
    );
    Ok(Value::from_safe_string(text.trim().to_owned()))
}

/// `text | load_yaml`: the data, with mutable containers.
fn load_yaml(state: &State<'_, '_>, value: Value) -> Result<Value, Error> {
    let text = value_text(&value)?;
    yaml::load_for_template(&text, state.name()).map(|j| from_json(&j))
}

/// `text | load_json`.
fn load_json(value: Value) -> Result<Value, Error> {
    let text = value_text(&value)?;
    serde_json::from_str::<serde_json::Value>(&text)
        .map(|j| from_json(&j))
        .map_err(|_| fail(format!("Unable to load json from {text}")))
}

/// `text | load_text`: the text itself.
fn load_text(value: Value) -> Result<Value, Error> {
    Ok(Value::from(value_text(&value)?))
}

/// `s | yaml_dquote`: a YAML double-quoted scalar.
fn yaml_dquote(value: Value) -> Result<Value, Error> {
    Ok(Value::from(yaml::dquote(&scalar_text(
        &value,
        "yaml_dquote",
    )?)))
}

/// `s | yaml_squote`: a YAML single-quoted scalar.
fn yaml_squote(value: Value) -> Result<Value, Error> {
    Ok(Value::from(yaml::squote(&scalar_text(
        &value,
        "yaml_squote",
    )?)))
}

/// `scalar | yaml_encode`: the scalar as a YAML node (strings always
/// double-quoted).
fn yaml_encode(value: Value) -> Result<Value, Error> {
    let data = to_json(&value)?;
    yaml::encode(&data).map(Value::from).map_err(fail)
}

/// `dict | dict_to_sls_yaml_params(flow_style=False)`: each pair as a
/// one-key dict in a list, dumped as YAML (state arguments).
fn dict_to_sls_yaml_params(value: Value, args: Args) -> Result<Value, Error> {
    let p = params("dict_to_sls_yaml_params", &args, &["flow_style"])?;
    let mut items = Vec::new();
    for (k, v) in map_entries(&value)? {
        let mut m = serde_json::Map::new();
        m.insert(pyrepr::str_of(&k), sorted_json(&v)?);
        items.push(serde_json::Value::Object(m));
    }
    Ok(Value::from_safe_string(yaml::format_yaml(
        &serde_json::Value::Array(items),
        flag(&p[0], false),
    )))
}

/// JSON data of `value` with every dict's keys sorted, as PyYAML writes
/// plain dicts.
pub fn sorted_json(value: &Value) -> Result<serde_json::Value, Error> {
    Ok(sort_keys(to_json(value)?))
}

fn sort_keys(v: serde_json::Value) -> serde_json::Value {
    match v {
        serde_json::Value::Object(m) => {
            let mut entries: Vec<(String, serde_json::Value)> = m.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            serde_json::Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k, sort_keys(v)))
                    .collect(),
            )
        }
        serde_json::Value::Array(a) => {
            serde_json::Value::Array(a.into_iter().map(sort_keys).collect())
        }
        other => other,
    }
}

fn indent_of(v: &Option<Value>) -> Result<Option<usize>, Error> {
    match v {
        None => Ok(None),
        Some(v) if v.is_none() => Ok(None),
        Some(v) => v.as_usize().map(Some).ok_or_else(|| {
            fail(format!(
                "indent must be an integer, not {}",
                pyrepr::repr(v)
            ))
        }),
    }
}

/// The text a `load_*` filter parses: a string, or the output captured by
/// a block.
fn value_text(value: &Value) -> Result<String, Error> {
    match value.kind() {
        ValueKind::String => Ok(value.as_str().unwrap_or("").to_owned()),
        ValueKind::Undefined => Err(fail("Unable to load from an undefined value")),
        _ => Ok(pyrepr::str_of(value)),
    }
}

fn scalar_text(value: &Value, filter: &str) -> Result<String, Error> {
    match value.kind() {
        ValueKind::String => Ok(value.as_str().unwrap_or("").to_owned()),
        ValueKind::Map | ValueKind::Seq => Err(fail(format!(
            "{filter} expects a scalar, not {}",
            pyrepr::type_name(value)
        ))),
        _ => Ok(pyrepr::str_of(value)),
    }
}
