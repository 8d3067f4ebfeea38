//! Where a state run gets its SLS and top files: the file server (the
//! master's over the session, or `file_roots` for `--local`) through the
//! job's file client, each file cached on the minion and rendered by
//! salt-render with the run's grains, pillar and opts ([`Files`]).

use std::sync::Arc;

use serde_json::{Map, Value};
use tokio::runtime::Handle;

use salt_fileserver::FileClient;
use salt_fileserver::wire::ListKind;
use salt_render::{Context, Host};
use salt_state::{Rendered, SlsSource, top::TopSource};
use salt_types::{SafeRelPath, Saltenv};

/// SLS and top files of one run.
pub struct Files {
    pub client: FileClient,
    pub rt: Handle,
    pub host: Arc<dyn Host>,
    pub grains: Value,
    pub pillar: Value,
    pub opts: Value,
    /// The top file's name (`state_top`, default `top.sls`).
    pub state_top: String,
}

impl Files {
    fn env(saltenv: &str) -> Result<Saltenv, String> {
        Saltenv::parse(saltenv).map_err(|e| format!("saltenv {saltenv:?}: {e}"))
    }

    /// The SLS names of a saltenv (`a/b.sls` and `a/b/init.sls` are
    /// `a.b`), sorted; `None` when the file server cannot list it.
    fn sls_names(&self, saltenv: &str) -> Option<Vec<String>> {
        let env = Self::env(saltenv).ok()?;
        let names = self
            .rt
            .block_on(self.client.list(&env, ListKind::Files, None))
            .ok()?;
        Some(crate::modules::cp::sls_names(&names))
    }

    /// Caches `path` of `saltenv` on the minion and reads it; `None` when
    /// the file server has no such file.
    fn fetch(&self, saltenv: &str, path: &str) -> Result<Option<(String, String)>, String> {
        let env = Self::env(saltenv)?;
        let rel = SafeRelPath::parse(path).map_err(|e| format!("{path}: {e}"))?;
        let Some(local) = self
            .rt
            .block_on(self.client.cache_file(&env, &rel, None))
            .map_err(|e| e.to_string())?
        else {
            return Ok(None);
        };
        let text = std::fs::read(&local).map_err(|e| format!("{}: {e}", local.display()))?;
        let text =
            String::from_utf8(text).map_err(|_| format!("salt://{path} is not UTF-8 text"))?;
        Ok(Some((text, local.display().to_string())))
    }

    /// Renders one file as an SLS (`sls` names it; `""` for top files).
    fn render(
        &self,
        saltenv: &str,
        sls: &str,
        text: &str,
        tplpath: String,
    ) -> Result<Value, String> {
        let cx = Context {
            grains: self.grains.clone(),
            pillar: self.pillar.clone(),
            opts: self.opts.clone(),
            saltenv: saltenv.to_owned(),
            sls: Some(sls.to_owned()),
            tplpath: Some(tplpath),
            extra: Map::new(),
        };
        salt_render::render_sls(&self.host, &cx, text).map_err(|e| e.to_string())
    }
}

impl SlsSource for Files {
    fn available(&self, saltenv: &str) -> Option<Vec<String>> {
        self.sls_names(saltenv)
    }

    fn render(&self, sls: &str, saltenv: &str) -> Result<Option<Rendered>, String> {
        let base = sls.replace('.', "/");
        for (path, from_init) in [
            (format!("{base}.sls"), false),
            (format!("{base}/init.sls"), true),
        ] {
            if let Some((text, local)) = self.fetch(saltenv, &path)? {
                let data = Files::render(self, saltenv, sls, &text, local)?;
                return Ok(Some(Rendered { data, from_init }));
            }
        }
        Ok(None)
    }
}

impl TopSource for Files {
    fn envs(&self) -> Vec<String> {
        let mut envs: Vec<String> = self
            .rt
            .block_on(self.client.envs())
            .map(|v| v.into_iter().map(|e| e.to_string()).collect())
            .unwrap_or_default();
        envs.sort();
        envs
    }

    fn available(&self, saltenv: &str) -> Vec<String> {
        self.sls_names(saltenv).unwrap_or_default()
    }

    fn render_top(&self, saltenv: &str, sls: Option<&str>) -> Result<Option<Value>, String> {
        let path = match sls {
            None => self
                .state_top
                .trim_start_matches("salt://")
                .trim_start_matches('/')
                .to_owned(),
            Some(name) => {
                let base = name.replace('.', "/");
                match self.fetch(saltenv, &format!("{base}.sls"))? {
                    Some((text, local)) => {
                        return Files::render(self, saltenv, "", &text, local).map(Some);
                    }
                    None => format!("{base}/init.sls"),
                }
            }
        };
        match self.fetch(saltenv, &path)? {
            Some((text, local)) => Files::render(self, saltenv, "", &text, local).map(Some),
            None => Ok(None),
        }
    }
}
