//! Yum/dnf repository definitions (`pkg.list_repos`, `get_repo`,
//! `mod_repo`, `del_repo` on the RedHat family).
