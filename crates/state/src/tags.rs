//! State tags, the keys of a run's result: `state_|-id_|-name_|-fun`
//! (`test_|-web_|-nginx_|-nop`), exactly as Salt builds them.

/// The tag of a state call.
pub fn tag(state: &str, id: &str, name: &str, fun: &str) -> String {
    format!("{state}_|-{id}_|-{name}_|-{fun}")
}

/// The parts of a tag: `(state, id, name, fun)`; `None` unless it has
/// exactly four parts.
pub fn split_tag(tag: &str) -> Option<(&str, &str, &str, &str)> {
    let mut it = tag.split("_|-");
    let parts = (it.next()?, it.next()?, it.next()?, it.next()?);
    it.next().is_none().then_some(parts)
}

/// The tag of a `listen` target that does not exist (Salt's `_l_tag`).
pub fn listen_error_tag(name: &str, id: &str) -> String {
    tag(
        "Listen_Error",
        &format!("listen_{id}"),
        &format!("listen_{name}"),
        "Listen_Error",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_round_trip() {
        let t = tag("test", "web", "nginx", "nop");
        assert_eq!(t, "test_|-web_|-nginx_|-nop");
        assert_eq!(split_tag(&t), Some(("test", "web", "nginx", "nop")));
        assert_eq!(split_tag("a_|-b"), None);
        assert_eq!(
            listen_error_tag("test", "x"),
            "Listen_Error_|-listen_x_|-listen_test_|-Listen_Error"
        );
    }
}
