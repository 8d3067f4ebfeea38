//! The state system's core: from high data (`state.show_sls`) to low
//! chunks (`state.show_lowstate`), then running them with Salt's ordering
//! and requisite semantics to Salt's result structure (`state.sls`).
//!
//! ```text
//! rendered SLS files --sls::--> HighData --compile()--> Vec<LowChunk> --run_chunks()--> Running
//! ```
//!
//! - [`compiler`]: extend/exclude, structure checks, requisite-ins, `use`,
//!   `names`, ordering. Errors are [`CompileError`]s worded as Salt's.
//! - [`run_chunks`] / [`run_high`]: requisites (`require`, `watch`,
//!   `onchanges`, `onfail`, `prereq`, `listen`, their `_any`/`_all`/`_in`
//!   forms), `onlyif`/`unless`/`creates`, `failhard`, `retry`, test mode.
//!   Results are a map tag -> Salt's result dict ([`Running`]).
//! - State modules implement [`StateFn`] (`plan` for test mode, `apply`)
//!   and are listed in `registry.rs`; `states/` holds them.
//! - The host is reached only through [`Exec`] (commands, execution
//!   functions, file existence, sleeping): this crate does no I/O itself.
//! - [`graph::to_dot`] draws the requisite graph (`state.show_graph`).
//! - [`top`]: the state top file, from rendered `top.sls` files to the
//!   SLS names of one minion (`state.show_top`, the highstate's input).
//!
//! ```
//! use serde_json::{json, Map, Value};
//! use salt_state::{CallReturn, Exec, HighData, RunOptions, compile, run_chunks, run_succeeded};
//!
//! struct NoHost;
//! impl Exec for NoHost {
//!     fn run_cmd(&self, _: &str, _: &Map<String, Value>) -> Result<i32, String> { Ok(0) }
//!     fn call(&self, f: &str, _: &[Value], _: &Map<String, Value>) -> Result<CallReturn, String> {
//!         Err(format!("'{f}' is not available."))
//!     }
//! }
//!
//! // What `state.show_sls web` prints (the SLS layer, `SlsCompiler`, makes it).
//! let high = HighData::from_value(json!({
//!     "conf": {"test": ["succeed_with_changes", {"order": 10000}], "__sls__": "web", "__env__": "base"},
//!     "nginx": {"test": ["succeed_without_changes", {"watch": [{"test": "conf"}]}, {"order": 10001}],
//!               "__sls__": "web", "__env__": "base"},
//! })).unwrap();
//! let compiled = compile(high).unwrap();            // state.show_lowstate
//! let running = run_chunks(compiled.chunks, &RunOptions::default(), &NoHost);
//! let nginx = &running["test_|-nginx_|-nginx_|-succeed_without_changes"];
//! assert_eq!(nginx["comment"], "Watch statement fired.");
//! assert!(run_succeeded(&running, Some(&compiled.high)));   // salt-call exits 0
//! ```

#![forbid(unsafe_code)]

pub mod compiler;
mod error;
mod fields;
pub mod graph;
mod keywords;
mod module;
mod pyrepr;
mod registry;
mod run;
pub mod shlex;
pub mod states;
mod tags;
pub mod top;
mod value;

pub use compiler::{
    Compiled, HighData, LowChunk, Rendered, SlsCompiler, SlsSource, compile, compile_low_chunks,
    compile_low_sls,
};
pub use error::{CompileError, CompileErrors};
pub use fields::field_names;
pub use module::{CallReturn, Exec, Reqs, RunCtx, Running, StateError, StateFn, StateReturn};
pub use registry::{StateCall, bind_state, has_state, list_states, state_doc};
pub use run::{RunOptions, run_chunks, run_chunks_with_id, run_high, run_succeeded};
pub use tags::{split_tag, tag};
