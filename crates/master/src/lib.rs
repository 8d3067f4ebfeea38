//! The master daemon as a library: master::run(settings, shutdown)

#![forbid(unsafe_code)]
