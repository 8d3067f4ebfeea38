//! The highstate outputter's settings as Salt's config keys give them:
//! `state_tabular` (off, aligned columns, or a format string) and the
//! result lists of `state_output_exclude` / `state_output_terse`. The
//! command line tools turn them into the outputter's options.

use serde_json::Value;

use crate::convert::describe;

/// `state_tabular`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StateTabular {
    /// `False`: terse lines as `Name: ... - Function: ...`.
    Off,
    /// `True`: aligned columns.
    Aligned,
    /// A Python `str.format` string for each terse line.
    Format(String),
}

/// Reads `state_tabular`: a boolean or a format string.
pub(crate) fn tabular(v: &Value) -> Result<StateTabular, String> {
    match v {
        Value::Bool(true) => Ok(StateTabular::Aligned),
        Value::Bool(false) | Value::Null => Ok(StateTabular::Off),
        Value::String(s) => Ok(StateTabular::Format(s.clone())),
        _ => Err(format!(
            "expected true, false or a format string, found {}",
            describe(v)
        )),
    }
}

/// Reads a list of state results (`state_output_exclude`,
/// `state_output_terse`): a comma-separated string (`True,None`) or a
/// list, each item as Python prints it (`true` is `True`).
pub(crate) fn result_list(v: &Value) -> Result<Vec<String>, String> {
    let item = |v: &Value| match v {
        Value::String(s) => Ok(s.clone()),
        Value::Bool(true) => Ok("True".to_owned()),
        Value::Bool(false) => Ok("False".to_owned()),
        Value::Null => Ok("None".to_owned()),
        Value::Number(n) => Ok(n.to_string()),
        other => Err(format!(
            "expected results (True, False, None), found {}",
            describe(other)
        )),
    };
    match v {
        Value::String(s) => Ok(s.split(',').map(str::to_owned).collect()),
        Value::Array(items) => items.iter().map(item).collect(),
        other => Ok(vec![item(other)?]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tabular_and_result_lists_read_as_salt_writes_them() {
        assert_eq!(tabular(&json!(true)), Ok(StateTabular::Aligned));
        assert_eq!(tabular(&json!(false)), Ok(StateTabular::Off));
        assert_eq!(
            tabular(&json!("{0}{4}")),
            Ok(StateTabular::Format("{0}{4}".into()))
        );
        assert!(tabular(&json!(3)).is_err());
        assert_eq!(
            result_list(&json!("True,None")),
            Ok(vec!["True".to_owned(), "None".to_owned()])
        );
        assert_eq!(
            result_list(&json!([true, null, "False"])),
            Ok(vec![
                "True".to_owned(),
                "None".to_owned(),
                "False".to_owned()
            ])
        );
        assert_eq!(result_list(&json!(false)), Ok(vec!["False".to_owned()]));
        assert!(result_list(&json!([{"a": 1}])).is_err());
    }
}
