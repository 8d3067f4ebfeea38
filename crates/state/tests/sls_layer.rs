//! Golden tests of the SLS layer: the files Salt rendered (captured with
//! `slsutil.renderer`) go in, our high data or errors must equal
//! `state.show_sls` (render errors plus structural errors) and, for render
//! errors, what `state.sls` returned.

mod common;

use std::path::Path;

use common::{Case, compare};
use salt_state::{Rendered, SlsCompiler, SlsSource};

/// The captured rendered files of one case.
struct Captured<'a> {
    case: &'a Case,
    names: Vec<String>,
}

impl<'a> Captured<'a> {
    fn new(case: &'a Case) -> Self {
        let dir = case.dir.join("captured/rendered");
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .map(|rd| {
                rd.filter_map(|e| e.ok())
                    .filter_map(|e| {
                        e.file_name()
                            .to_str()?
                            .strip_suffix(".json")
                            .map(str::to_owned)
                    })
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        Self { case, names }
    }
}

impl SlsSource for Captured<'_> {
    fn available(&self, saltenv: &str) -> Option<Vec<String>> {
        (saltenv == "base").then(|| self.names.clone())
    }

    fn render(&self, sls: &str, saltenv: &str) -> Result<Option<Rendered>, String> {
        if saltenv != "base" || !self.names.iter().any(|n| n == sls) {
            return Ok(None);
        }
        let c = self
            .case
            .captured(&format!("rendered/{sls}.json"))
            .ok_or_else(|| format!("no capture for {sls}"))?;
        let path = sls.replace('.', "/");
        let from_init = Path::new(&self.case.dir)
            .join(&path)
            .join("init.sls")
            .is_file();
        Ok(Some(Rendered {
            data: c.ret,
            from_init,
        }))
    }
}

#[test]
fn rendered_sls_become_salts_high_data() {
    common::for_each_case(|case| {
        let Some(want) = case.captured("high.json") else {
            return Ok(());
        };
        let source = Captured::new(case);
        let mods = vec!["main".to_owned()];
        let got = match SlsCompiler::new(&source).show_sls("base", &mods) {
            Ok(high) => high.into_value(),
            Err(e) => serde_json::to_value(&e).unwrap(),
        };
        compare("state.show_sls", &want.ret, &got)?;
        if let (Some(run), Err(e)) = (
            case.captured("run.json"),
            SlsCompiler::new(&source).sls_high("base", &mods),
        ) {
            compare(
                "state.sls (render errors)",
                &run.ret,
                &serde_json::to_value(&e).unwrap(),
            )?;
            if run.retcode != 1 {
                return Err(format!(
                    "Salt's retcode for render errors is {}",
                    run.retcode
                ));
            }
        }
        Ok(())
    });
}
