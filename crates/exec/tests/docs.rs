//! docs/states.md lists every registered state function and execution
//! function (issue 4: "lists every supported state and execution function
//! with its arguments"): a function added to a registry without a line in
//! the docs fails here.

#[test]
fn every_function_is_documented() {
    let doc = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/states.md"),
    )
    .expect("docs/states.md");
    let missing: Vec<&str> = salt_exec::list_functions()
        .iter()
        .chain(salt_state::list_states().iter())
        .copied()
        .filter(|name| !name.ends_with(".mod_watch") && !name.contains(".mod_run_check"))
        .filter(|name| !doc.contains(&format!("`{name}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "not in docs/states.md (as `name`): {missing:?}"
    );
}
