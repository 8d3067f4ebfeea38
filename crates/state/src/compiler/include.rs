//! Rendering one SLS file with its includes (Salt's `render_state`):
//! `include:` entries are plain names, relative names (`.sibling`,
//! `..cousin`), `{saltenv: name}` maps or `{_xenv: name}` (any matched
//! saltenv); globs expand against the saltenv's SLS list. Each file is
//! rendered once per run; included states remember who included them
//! (`__sls_included_from__`, what `require: - sls:` also matches).

use serde_json::{Map, Value};

use super::sls::{
    SlsCompiler, handle_exclude, handle_extend, handle_state_decls, merge_included_states,
};
use crate::error::CompileError;
use salt_target::fnmatchcase as fnmatch;

impl SlsCompiler<'_> {
    /// Renders `sls` in `saltenv` and everything it includes. `mods` holds
    /// the `env:sls` already rendered.
    pub(super) fn render_state(
        &mut self,
        sls: &str,
        saltenv: &str,
        mods: &mut Vec<String>,
        matches: &[(String, Vec<String>)],
    ) -> (Map<String, Value>, Vec<CompileError>) {
        let mut errors = Vec::new();
        let rendered = match self.source.render(sls, saltenv) {
            Ok(None) => {
                errors.push(CompileError::SlsNotAvailable {
                    sls: sls.to_owned(),
                    saltenv: saltenv.to_owned(),
                });
                return (Map::new(), errors);
            }
            Err(message) => {
                errors.push(CompileError::Render {
                    saltenv: saltenv.to_owned(),
                    sls: sls.to_owned(),
                    message,
                });
                mods.push(format!("{saltenv}:{sls}"));
                return (Map::new(), errors);
            }
            Ok(Some(r)) => r,
        };
        mods.push(format!("{saltenv}:{sls}"));
        if !crate::value::truthy(&rendered.data) {
            return (Map::new(), errors);
        }
        let Value::Object(mut state) = rendered.data else {
            errors.push(CompileError::SlsNotDict(sls.to_owned()));
            return (Map::new(), errors);
        };
        let mut include = Vec::new();
        match state.get("include") {
            Some(Value::Array(_)) => {
                if let Some(Value::Array(items)) = state.shift_remove("include") {
                    include = items;
                }
            }
            Some(_) => errors.push(CompileError::IncludeNotList(sls.to_owned())),
            None => {}
        }
        handle_extend(&mut state, sls, saltenv, &mut errors);
        handle_exclude(&mut state, sls, &mut errors);
        handle_state_decls(&mut state, sls, saltenv, &mut errors);
        for inc in include {
            self.include_one(
                inc,
                sls,
                saltenv,
                rendered.from_init,
                &mut state,
                mods,
                matches,
                &mut errors,
            );
        }
        self.handle_iorder(&mut state);
        (state, errors)
    }

    #[allow(clippy::too_many_arguments)]
    fn include_one(
        &mut self,
        inc: Value,
        sls: &str,
        saltenv: &str,
        from_init: bool,
        state: &mut Map<String, Value>,
        mods: &mut Vec<String>,
        matches: &[(String, Vec<String>)],
        errors: &mut Vec<CompileError>,
    ) {
        const XENV: &str = "_xenv";
        let (env_key, inc_sls) = match inc {
            Value::Object(m) => match m.into_iter().next_back() {
                Some((k, v)) => (k, crate::pyrepr::py_str(&v)),
                None => return,
            },
            other => (saltenv.to_owned(), crate::pyrepr::py_str(&other)),
        };
        if self.avail(&env_key).is_none() {
            errors.push(CompileError::IncludeNoSaltenv {
                env: env_key,
                include: inc_sls,
                saltenv: saltenv.to_owned(),
                sls: sls.to_owned(),
            });
            return;
        }
        let inc_sls = if inc_sls.starts_with('.') {
            let levels = inc_sls.chars().take_while(|c| *c == '.').count();
            let rest = &inc_sls[levels..];
            let mut p_comps: Vec<&str> = sls.split('.').collect();
            if from_init {
                p_comps.push("init");
            }
            if levels > p_comps.len() {
                errors.push(CompileError::IncludeBeyondTop {
                    include: inc_sls.clone(),
                    saltenv: saltenv.to_owned(),
                    sls: sls.to_owned(),
                });
                return;
            }
            let mut parts: Vec<&str> = p_comps[..p_comps.len() - levels].to_vec();
            parts.push(rest);
            parts.join(".")
        } else {
            inc_sls
        };
        let has = |env: &str| {
            self.avail(env)
                .unwrap_or_default()
                .iter()
                .any(|s| fnmatch(s, &inc_sls))
        };
        let resolved: Vec<String> = if env_key != XENV {
            if matches.iter().any(|(e, _)| *e == env_key) || has(&env_key) {
                vec![env_key.clone()]
            } else {
                Vec::new()
            }
        } else {
            matches
                .iter()
                .map(|(e, _)| e.clone())
                .filter(|e| has(e))
                .collect()
        };
        if resolved.len() != 1 && !resolved.iter().any(|e| e == saltenv) {
            let envs = if env_key == XENV {
                matches
                    .iter()
                    .map(|(e, _)| e.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            } else {
                env_key.clone()
            };
            errors.push(if resolved.is_empty() {
                CompileError::IncludeUnknown {
                    env: env_key,
                    include: inc_sls,
                    envs,
                }
            } else {
                CompileError::IncludeAmbiguous {
                    env: env_key,
                    include: inc_sls,
                    envs: resolved.join(", "),
                }
            });
            return;
        }
        let mut targets: Vec<String> = self
            .avail(saltenv)
            .unwrap_or_default()
            .into_iter()
            .filter(|s| fnmatch(s, &inc_sls))
            .collect();
        if targets.is_empty() {
            targets.push(inc_sls.clone());
        }
        let r_env = if resolved.len() == 1 {
            resolved[0].clone()
        } else {
            saltenv.to_owned()
        };
        for target in targets {
            if mods.contains(&format!("{r_env}:{target}")) {
                continue;
            }
            let (mut nstate, err) = self.render_state(&target, &r_env, mods, matches);
            if !nstate.is_empty() {
                for (item, body) in nstate.iter_mut() {
                    if item.starts_with("__") {
                        continue;
                    }
                    if let Value::Object(body) = body {
                        super::sls::push_list(
                            body,
                            "__sls_included_from__",
                            vec![Value::String(sls.to_owned())],
                        );
                    }
                }
                merge_included_states(state, nstate, errors);
            }
            errors.extend(err);
        }
    }
}
