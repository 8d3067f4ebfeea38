//! The state compiler: rendered SLS files in (`sls.rs`, `include.rs`),
//! high data in the middle, ordered low chunks out.
//!
//! The steps are Salt's, in Salt's order (`call_high` /
//! `compile_low_chunks`): merge `extend`, check the structure, turn
//! requisite-ins and `use` into extensions and merge them, drop excludes,
//! then fan declarations out into chunks and sort them. Each step collects
//! every error it finds; the first step with errors stops compilation.

mod extend;
mod high;
mod include;
mod low;
mod order;
mod requisite_in;
mod sls;
mod verify;

pub use extend::{apply_exclude, reconcile_extend};
pub use high::HighData;
pub use low::{LowChunk, compile_high_data};
pub use order::order_chunks;
pub use requisite_in::requisite_in;
pub use sls::{Rendered, SlsCompiler, SlsSource};
pub use verify::verify_high;

use crate::error::CompileErrors;

/// High data after extends, requisite-ins and excludes, with its chunks.
#[derive(Debug, Clone)]
pub struct Compiled {
    /// The processed high data (what the retcode check reads for `onfail_stop`).
    pub high: HighData,
    /// The chunks in run order (what `state.show_lowstate` prints).
    pub chunks: Vec<LowChunk>,
}

/// Compiles high data for a run (Salt's `call_high` up to the run).
pub fn compile(mut high: HighData) -> Result<Compiled, CompileErrors> {
    let mut errors = reconcile_extend(&mut high, false);
    errors.extend(verify_high(&high));
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let errors = requisite_in(&mut high);
    apply_exclude(&mut high);
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let chunks = compile_high_data(&high, None);
    Ok(Compiled { high, chunks })
}

/// What `state.show_lowstate` answers (Salt's `compile_low_chunks`): the
/// chunks of the highstate, or every error of rendering (`render_errors`),
/// extends, the structure and requisite-ins together. Unlike a run, no step
/// stops the next one.
pub fn compile_low_chunks(
    mut high: HighData,
    render_errors: Vec<crate::error::CompileError>,
) -> Result<Vec<LowChunk>, CompileErrors> {
    let mut errors = render_errors;
    errors.extend(reconcile_extend(&mut high, false));
    errors.extend(verify_high(&high));
    errors.extend(requisite_in(&mut high));
    apply_exclude(&mut high);
    if !errors.is_empty() {
        return Err(errors.into());
    }
    Ok(compile_high_data(&high, None))
}

/// The chunks of high data as given, without extends, requisite-ins or
/// excludes (Salt's `state.show_low_sls`).
pub fn compile_low_sls(high: &HighData) -> Result<Vec<LowChunk>, CompileErrors> {
    let errors = verify_high(high);
    if !errors.is_empty() {
        return Err(errors.into());
    }
    Ok(compile_high_data(high, None))
}

impl SlsCompiler<'_> {
    /// What `state.show_sls` answers: the high data of `mods` in
    /// `saltenv`, or the render errors followed by the structural ones.
    pub fn show_sls(&mut self, saltenv: &str, mods: &[String]) -> Result<HighData, CompileErrors> {
        let (high, mut errors) = self.render_highstate(&[(saltenv.to_owned(), mods.to_vec())]);
        errors.extend(verify_high(&high));
        if errors.is_empty() {
            Ok(high)
        } else {
            Err(errors.into())
        }
    }

    /// The high data `state.sls` runs: render errors stop it.
    pub fn sls_high(&mut self, saltenv: &str, mods: &[String]) -> Result<HighData, CompileErrors> {
        let (high, errors) = self.render_highstate(&[(saltenv.to_owned(), mods.to_vec())]);
        if errors.is_empty() {
            Ok(high)
        } else {
            Err(errors.into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn high(v: serde_json::Value) -> HighData {
        HighData::from_value(v).unwrap()
    }

    /// `state.show_lowstate` lists the render errors and every later
    /// step's errors together (a run stops at the first step).
    #[test]
    fn low_chunks_collect_every_steps_errors() {
        let h = high(json!({
            "bad": "not a dict",
            "fine": {"__sls__": "main", "__env__": "base", "test": ["nop", {"order": 1}]},
        }));
        let render = vec![crate::error::CompileError::SlsNotAvailable {
            sls: "gone".into(),
            saltenv: "base".into(),
        }];
        let errs = compile_low_chunks(h.clone(), render)
            .unwrap_err()
            .to_strings();
        let run_errs = compile(h).unwrap_err().to_strings();
        assert_eq!(errs.len(), run_errs.len() + 1, "{errs:?}");
        assert!(errs[0].contains("gone"), "{errs:?}");
        assert_eq!(errs[1..], run_errs[..]);
        let ok = high(json!({
            "fine": {"__sls__": "main", "__env__": "base", "test": ["nop", {"order": 1}]},
        }));
        assert_eq!(compile_low_chunks(ok, Vec::new()).unwrap().len(), 1);
    }
}
