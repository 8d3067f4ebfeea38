//! Python's `str()` and `repr()` of JSON-like values, under the names the
//! state system uses. Salt formats data into its error messages and tags with
//! Python's formatting (`['a', 'b']`, `{'test': 'x'}`, `True`, `None`); the
//! implementation is salt-yaml's, shared with the outputters and targeting.

pub use salt_yaml::pyrepr::{repr as py_repr, str_of as py_str, type_name as py_type_name};
