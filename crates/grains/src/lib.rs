//! Grains collection on Linux, with the names and value shapes Salt uses

#![forbid(unsafe_code)]
