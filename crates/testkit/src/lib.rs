//! Real master and minions on 127.0.0.1 in temp dirs, for tests

#![forbid(unsafe_code)]
