//! Small helpers on JSON values with Python's meaning.

/// Python truthiness (salt-yaml's, shared with the other crates).
pub use salt_yaml::pyrepr::truthy;
