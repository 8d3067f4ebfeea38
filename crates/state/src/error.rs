//! Compile errors: everything that stops a state run before any state runs.
//! Salt returns them as a list of strings (and `salt-call` exits 1); each
//! variant here displays as Salt's exact text, so the list we print is the
//! list Salt prints.

use std::fmt;

/// One reason the high data could not be compiled. `Display` is Salt's text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CompileError {
    // ---- SLS level (what Salt reports while rendering and merging files)
    /// Rendering failed; `message` comes from the renderer.
    #[error("Rendering SLS '{saltenv}:{sls}' failed: {message}")]
    Render {
        saltenv: String,
        sls: String,
        message: String,
    },
    /// The SLS file does not exist in that saltenv.
    #[error(
        "Specified SLS {sls} in saltenv {saltenv} is not available on the salt master or through a configured fileserver"
    )]
    SlsNotAvailable { sls: String, saltenv: String },
    /// A requested (not included) SLS matched nothing.
    #[error("No matching sls found for '{sls}' in env '{saltenv}'")]
    NoMatchingSls { sls: String, saltenv: String },
    #[error("No matching salt environment for environment '{0}' found")]
    NoSuchSaltenv(String),
    #[error("SLS {0} does not render to a dictionary")]
    SlsNotDict(String),
    #[error("Include Declaration in SLS {0} is not formed as a list")]
    IncludeNotList(String),
    #[error("Exclude Declaration in SLS {0} is not formed as a list")]
    ExcludeNotList(String),
    #[error("Extension value in SLS '{0}' is not a dictionary")]
    ExtendNotDict(String),
    #[error("Extension name '{name}' in SLS '{sls}' is not a dictionary")]
    ExtendNameNotDict { name: String, sls: String },
    #[error(
        "Nonexistent saltenv '{env}' found in include of '{include}' within SLS '{saltenv}:{sls}'"
    )]
    IncludeNoSaltenv {
        env: String,
        include: String,
        saltenv: String,
        sls: String,
    },
    #[error("Badly formatted include {include} found in include in SLS '{saltenv}:{sls}'")]
    IncludeBadFormat {
        include: String,
        saltenv: String,
        sls: String,
    },
    #[error(
        "Attempted relative include of '{include}' within SLS '{saltenv}:{sls}' goes beyond top level package "
    )]
    IncludeBeyondTop {
        include: String,
        saltenv: String,
        sls: String,
    },
    #[error(
        "Unknown include: Specified SLS {env}: {include} is not available on the salt master in saltenv(s): {envs} "
    )]
    IncludeUnknown {
        env: String,
        include: String,
        envs: String,
    },
    #[error(
        "Ambiguous include: Specified SLS {env}: {include} is available on the salt master in multiple available saltenvs: {envs}"
    )]
    IncludeAmbiguous {
        env: String,
        include: String,
        envs: String,
    },
    /// An ID whose body is neither a mapping nor a `mod.fun` string.
    #[error("ID {id} in SLS {sls} is not a dictionary")]
    IdNotDict { id: String, sls: String },
    #[error("ID '{id}' in SLS '{sls}' contains multiple state declarations of the same type")]
    MultipleDeclarations { id: String, sls: String },
    #[error(
        "Detected conflicting IDs, SLS IDs need to be globally unique.\n    The conflicting ID is '{id}' and is found in SLS '{env_a}:{sls_a}' and SLS '{env_b}:{sls_b}'"
    )]
    ConflictingId {
        id: String,
        env_a: String,
        sls_a: String,
        env_b: String,
        sls_b: String,
    },

    // ---- high data (Salt's verify_high)
    #[error("High data is not a dictionary and is invalid")]
    HighNotDict,
    /// `body` is Python's `str()` of the value.
    #[error("The type {id} in {body} is not formatted as a dictionary")]
    BodyNotDict { id: String, body: String },
    #[error(
        "ID '{id}' in SLS '{sls}' contains a short declaration ({state}) with a trailing colon. When not passing any arguments to a state, the colon must be omitted."
    )]
    TrailingColon {
        id: String,
        sls: String,
        state: String,
    },
    #[error("State '{id}' in SLS '{sls}' is not formed as a list")]
    StateNotList { id: String, sls: String },
    #[error(
        "The function \"{fun}\" in state \"{id}\" in SLS \"{sls}\" has whitespace, a function with whitespace is not supported, perhaps this is an argument that is missing a \":\""
    )]
    FunctionWhitespace {
        fun: String,
        id: String,
        sls: String,
    },
    #[error("The 'names' argument in state '{id}' in SLS '{sls}' needs to be formed as a list")]
    NamesNotList { id: String, sls: String },
    #[error("The {kind} statement in state '{id}' in SLS '{sls}' needs to be formed as a list")]
    RequisiteNotList {
        kind: String,
        id: String,
        sls: String,
    },
    /// `req` is Python's `str()` of the entry.
    #[error("Requisite declaration {req} in SLS {sls} is not formed as a single key dictionary")]
    RequisiteNotSingleKey { req: String, sls: String },
    #[error(
        "Invalid requisite type '{key}' in state '{id}', in SLS '{sls}'. Requisite types must not contain dots, did you mean '{suggest}'?"
    )]
    RequisiteTypeDotted {
        key: String,
        id: String,
        sls: String,
        suggest: String,
    },
    #[error("Illegal requisite \"{0}\", please check your syntax.\n")]
    IllegalRequisite(String),
    #[error("A recursive requisite was found, SLS \"{sls}\" ID \"{id}\" ID \"{req}\"")]
    RecursiveRequisite {
        sls: String,
        id: String,
        req: String,
    },
    #[error("Multiple dictionaries defined in argument of state '{id}' in SLS '{sls}'")]
    MultipleDicts { id: String, sls: String },
    #[error("No function declared in state '{id}' in SLS '{sls}'")]
    NoFunction { id: String, sls: String },
    #[error(
        "Too many functions declared in state '{id}' in SLS '{sls}'. Please choose one of the following: {}",
        .funs.join(", ")
    )]
    TooManyFunctions {
        id: String,
        sls: String,
        funs: Vec<String>,
    },

    // ---- requisite_in and extend
    #[error(
        "Invalid requisite in {kind}: {state} for {name}, in SLS '{sls}'. Requisites must not contain dots, did you mean '{suggest}'?"
    )]
    RequisiteInDotted {
        kind: String,
        state: String,
        name: String,
        sls: String,
        suggest: String,
    },
    #[error(
        "Cannot extend ID '{id}' in '{env}:{sls}'. It is not part of the high state.\nThis is likely due to a missing include statement or an incorrectly typed ID.\nEnsure that a state with an ID of '{id}' is available\nin environment '{env}' and to SLS '{sls}'"
    )]
    CannotExtend {
        id: String,
        env: String,
        sls: String,
    },
    /// Data Salt itself would crash on (a traceback there); we name it.
    #[error("Malformed high data: {0}")]
    Malformed(String),
}

/// Every compile error of one run, in Salt's order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CompileErrors(pub Vec<CompileError>);

impl CompileErrors {
    /// The list Salt returns (one string per error).
    pub fn to_strings(&self) -> Vec<String> {
        self.0.iter().map(ToString::to_string).collect()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for CompileErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for CompileErrors {}

impl From<Vec<CompileError>> for CompileErrors {
    fn from(v: Vec<CompileError>) -> Self {
        Self(v)
    }
}

impl serde::Serialize for CompileErrors {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(ToString::to_string))
    }
}
