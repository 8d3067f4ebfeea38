//! The public API's contract beyond what the golden cases show: error
//! fields, what reaches the host, and what never does.

use std::sync::{Arc, Mutex};

use serde_json::{Map, Value, json};

use salt_render::{Context, Host, RenderError, Stage, render_sls, render_template};

/// Records every file request; `fail.now` fails, everything else echoes.
#[derive(Default)]
struct Recorder {
    files: Mutex<Vec<String>>,
}

impl Host for Recorder {
    fn call(
        &self,
        fun: &str,
        args: Vec<Value>,
        _kwargs: Map<String, Value>,
    ) -> Result<Value, String> {
        match fun {
            "fail.now" => Err("the command failed: exit 3".into()),
            _ => Ok(json!({"fun": fun, "args": args})),
        }
    }

    fn has_function(&self, fun: &str) -> bool {
        fun != "no.such"
    }

    fn get_file(&self, _saltenv: &str, path: &str) -> Result<Option<String>, String> {
        self.files.lock().unwrap().push(path.to_owned());
        Ok(match path {
            "a/map.jinja" => Some("{% set v = 1 %}\n{% set w = {{ %}\n".into()),
            "a/x.yaml" => Some("k: {{ grains.id }}\n".into()),
            _ => None,
        })
    }
}

fn cx(sls: &str) -> Context {
    Context {
        grains: json!({"id": "m1"}),
        pillar: json!({"p": {"q": "{{ grains.id }}"}}),
        opts: json!({}),
        saltenv: "base".into(),
        sls: Some(sls.into()),
        tplpath: Some(format!("/cache/files/base/{}.sls", sls.replace('.', "/"))),
        extra: Map::new(),
    }
}

fn host() -> (Arc<Recorder>, Arc<dyn Host>) {
    let r = Arc::new(Recorder::default());
    (r.clone(), r)
}

fn err(text: &str) -> RenderError {
    let (_, h) = host();
    render_sls(&h, &cx("a.b"), text).unwrap_err()
}

#[test]
fn error_fields_name_sls_file_line_column_and_line() {
    let e = err("a: 1\nb: {{ missing_var }}\n");
    assert_eq!(e.stage, Stage::Jinja);
    assert_eq!(e.sls.as_deref(), Some("a.b"));
    assert_eq!(e.file, "a/b.sls");
    assert_eq!(e.line, Some(2));
    assert_eq!(e.col, Some(7));
    assert_eq!(e.snippet.as_deref(), Some("b: {{ missing_var }}"));
    assert!(e.message.contains("'missing_var' is undefined"), "{e}");
    assert!(e.to_string().contains("(a/b.sls:2:7)"), "{e}");
}

#[test]
fn columns_are_the_users_after_the_rewrite() {
    // The literal wrapping shifts the text minijinja sees; the column must not.
    let e = err("x: {{ [1, 2] + {'a': 1} | nofilter }}\n");
    assert_eq!(e.line, Some(1));
    let col = e.col.unwrap();
    assert!(
        (16..=27).contains(&col),
        "column {col} is not in the user's expression: {e}"
    );
}

#[test]
fn yaml_errors_point_into_the_rendered_text() {
    let e = err("{% set x = 'v' %}\nok: {{ x }}\nbad: [\n");
    assert_eq!(e.stage, Stage::Yaml);
    assert!(e.line.is_some());
    assert!(e.context.as_deref().unwrap_or("").contains("ok: v"), "{e}");
}

#[test]
fn syntax_error_in_an_imported_file_names_that_file() {
    let e = err("{% from 'a/map.jinja' import v %}\nv: {{ v }}\n");
    assert_eq!(e.file, "a/map.jinja");
    assert_eq!(e.line, Some(2));
    assert_eq!(e.snippet.as_deref(), Some("{% set w = {{ %}"));
    assert_eq!(e.sls.as_deref(), Some("a.b"));
}

#[test]
fn failing_salt_function_is_reported_with_its_message() {
    let e = err("a: {{ salt['fail.now']() }}\n");
    assert!(
        e.message.starts_with(
            "Problem running salt function in Jinja template: the command failed: exit 3"
        ),
        "{e}"
    );
    let e = err("a: {{ salt.no.such() }}\n");
    assert!(e.message.contains("'no.such' is not available"), "{e}");
}

#[test]
fn salt_calls_pass_data_and_results_are_data() {
    let (_, h) = host();
    let out = render_sls(
        &h,
        &cx("a.b"),
        "r: {{ salt['x.y'](1, 'two', [3]) | json }}\n",
    )
    .unwrap();
    assert_eq!(out, json!({"r": {"fun": "x.y", "args": [1, "two", [3]]}}));
    let out = render_sls(
        &h,
        &cx("a.b"),
        "r: {{ 'no.such' in salt }} {{ 'x.y' in salt }}\n",
    )
    .unwrap();
    assert_eq!(out, json!({"r": "False True"}));
}

#[test]
fn paths_out_of_the_root_never_reach_the_host() {
    let (rec, h) = host();
    for t in [
        "{% include '../../etc/passwd' %}\n",
        "{% import './../../x' as x %}\n",
        "{% import_yaml '/etc/passwd' as x %}\n",
    ] {
        assert!(render_sls(&h, &cx("a.b"), t).is_err(), "{t}");
    }
    let asked = rec.files.lock().unwrap().clone();
    assert!(
        asked
            .iter()
            .all(|p| !p.contains("..") && !p.starts_with('/')),
        "{asked:?}"
    );
}

#[test]
fn data_is_never_rendered() {
    let (_, h) = host();
    let out = render_template(&h, &cx("a.b"), "{{ pillar.p.q }}|{{ pillar['p'] }}").unwrap();
    assert_eq!(out, "{{ grains.id }}|{'q': '{{ grains.id }}'}");
}

#[test]
fn import_yaml_renders_the_file_first_and_salt_prefix_is_accepted() {
    let (rec, h) = host();
    let out = render_sls(
        &h,
        &cx("a.b"),
        "{% import_yaml 'salt://a/x.yaml' as x %}\nk: {{ x.k }}\n",
    )
    .unwrap();
    assert_eq!(out, json!({"k": "m1"}));
    assert_eq!(rec.files.lock().unwrap().as_slice(), ["a/x.yaml"]);
}

#[test]
fn template_keeps_trailing_newline_and_no_sls_variables() {
    let (_, h) = host();
    let mut c = cx("a.b");
    c.sls = None;
    c.extra.insert("name".into(), json!("/etc/x"));
    assert_eq!(render_template(&h, &c, "{{ name }}\n").unwrap(), "/etc/x\n");
    assert!(render_template(&h, &c, "{{ sls }}").is_err());
}
