//! Master and minion configuration: Salt's key names and defaults, file:line errors

#![forbid(unsafe_code)]
