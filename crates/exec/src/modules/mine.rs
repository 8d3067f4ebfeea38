//! `mine.*`: salt-rs has no mine yet (minions publishing function results
//! to the master for others to read). `mine.get` answers as Salt does when
//! nothing was mined, `{}`, so formulas that read the mine render; any
//! other mine function is not available.

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::{Ctx, ExecError, ExecFn, de};

/// `mine.get tgt fun [tgt_type=glob]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Get {
    #[serde(deserialize_with = "de::string_like")]
    #[allow(dead_code)]
    tgt: String,
    #[serde(deserialize_with = "de::string_like")]
    #[allow(dead_code)]
    fun: String,
    #[serde(default)]
    #[allow(dead_code)]
    tgt_type: Option<String>,
}

impl ExecFn for Get {
    const POSITIONAL: &'static [&'static str] = &["tgt", "fun", "tgt_type"];
    const REQUIRED: usize = 2;
    const DOC: &'static str = "Return the mined data of FUN on the minions TGT matches: always {} in salt-rs, which has no mine yet (as Salt answers when nothing was mined).\n\nCLI Example:\n\n    salt '*' mine.get '*' network.interfaces\n";
    type Output = Map<String, Value>;

    async fn call(self, _cx: &Ctx) -> Result<Map<String, Value>, ExecError> {
        Ok(Map::new())
    }
}
