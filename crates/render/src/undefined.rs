//! Saying why a name is undefined when a `{% from ... import name %}` made
//! it: the imported template does not define it. Jinja2 words this (and
//! Salt prints it) as "the template 'x/map.jinja' (imported on line 1) does
//! not export the requested name 'y'"; minijinja only says that `y` is
//! undefined "(from line 1)". A formula whose `map.jinja` is older or newer
//! than its SLS files fails exactly this way.

/// Salt's message for `name`, undefined since `line` of `source`, when
/// that line imports it with `{% from %}`; `None` otherwise.
pub fn from_import_message(source: &str, line: usize, name: &str) -> Option<String> {
    let text = source.lines().nth(line.checked_sub(1)?)?;
    let (template, requested) = from_import(text, name)?;
    Some(format!(
        "Jinja variable the template {template} (imported on line {line}) does not export the requested name '{requested}'"
    ))
}

/// The name in `(from line N)` at the end of a minijinja detail: the line
/// where the undefined value was made.
pub fn origin_line(message: &str) -> Option<usize> {
    let rest = message.strip_suffix(')')?;
    let start = rest.rfind("(from line ")?;
    rest[start + "(from line ".len()..].parse().ok()
}

/// In a `{% from TEMPLATE import a, b as c %}` tag on `line`, the template
/// (as written when it is not a plain string) and the requested name that
/// `local` is bound to.
fn from_import<'a>(line: &'a str, local: &str) -> Option<(String, &'a str)> {
    let start = line.find("{%")?;
    let tag = line[start + 2..]
        .trim_start_matches(['-', '+'])
        .trim_start();
    let tag = tag.strip_prefix("from")?;
    let end = tag.find("%}")?;
    let tag = tag[..end].trim_end_matches(['-', '+']).trim();
    let at = tag.find(" import ")?;
    let template = tag[..at].trim();
    let names = tag[at + " import ".len()..]
        .trim()
        .trim_end_matches("without context")
        .trim_end_matches("with context")
        .trim();
    let requested = names.split(',').find_map(|item| {
        let mut words = item.split_whitespace();
        let name = words.next()?;
        match (words.next(), words.next()) {
            (None, _) if name == local => Some(name),
            (Some("as"), Some(alias)) if alias == local => Some(name),
            _ => None,
        }
    })?;
    let quoted = template.len() >= 2
        && (template.starts_with('"') && template.ends_with('"')
            || template.starts_with('\'') && template.ends_with('\''));
    let template = if quoted {
        format!("'{}'", &template[1..template.len() - 1])
    } else {
        format!("`{template}`")
    };
    Some((template, requested))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_template_and_the_requested_name() {
        let src = "x: 1\n{%- from \"app/map.jinja\" import settings with context %}\n";
        assert_eq!(
            from_import_message(src, 2, "settings").as_deref(),
            Some(
                "Jinja variable the template 'app/map.jinja' (imported on line 2) does not export the requested name 'settings'"
            )
        );
        // An alias: the requested name is the one before `as`.
        let src = "{% from 'm.jinja' import cfg as c, other %}\n";
        assert!(
            from_import_message(src, 1, "c")
                .is_some_and(|m| m.ends_with("the requested name 'cfg'"))
        );
        // A computed template name is shown as written.
        let src = "{% from tplroot ~ '/map.jinja' import mapdata %}\n";
        assert!(
            from_import_message(src, 1, "mapdata")
                .is_some_and(|m| m.contains("template `tplroot ~ '/map.jinja'`"))
        );
        // Not a from-import of that name: no message.
        assert_eq!(from_import_message(src, 1, "other"), None);
        assert_eq!(from_import_message("{% set a = b %}\n", 1, "b"), None);
    }

    #[test]
    fn origin_line_of_a_detail() {
        assert_eq!(
            origin_line("Jinja variable 'x' is undefined (from line 4)"),
            Some(4)
        );
        assert_eq!(origin_line("Jinja variable 'x' is undefined"), None);
    }
}
