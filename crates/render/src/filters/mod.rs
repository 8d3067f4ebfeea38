//! Salt's Jinja filters, tests and globals, registered on the shared base
//! environment. One list per kind drives registration.

use minijinja::Environment;

mod core;

/// Registers every Salt filter, test and global function on `env`.
pub fn register(env: &mut Environment<'static>) {
    core::register(env);
}
