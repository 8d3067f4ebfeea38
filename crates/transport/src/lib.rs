//! ZeroMQ sockets behind salt-rs's own interface: PUB/ROUTER on the master, SUB/DEALER on minions, reconnect and back-off

#![forbid(unsafe_code)]
