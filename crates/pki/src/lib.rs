//! The master's registry of minion keys, kept as files in Salt's layout.
//!
//! `<pki_dir>/minions`, `minions_pre`, `minions_rejected` and
//! `minions_denied` each hold one public key file per minion id; the master's
//! own pair is `master.pem` / `master.pub` beside them. The master decides
//! enrolments with [`KeyStore::enroll`] (Salt's rules, including
//! `auto_accept`, `autosign_file` and `autoreject_file` through
//! [`AutoPolicy`]); `salt-rs-key` lists, accepts, rejects and deletes keys
//! through the same type. Key files are handled as text: parsing and checking
//! the key material is `salt-proto`'s job.

#![forbid(unsafe_code)]

mod fsutil;
mod glob;
mod policy;
mod store;

pub use glob::fnmatch;
pub use policy::{AutoPolicy, expr_match};
pub use store::{KeyMatches, KeyStore, MASTER_PRIVATE, MASTER_PUBLIC};

use serde::Serialize;

/// Where a minion's key is filed; each state is one directory under the
/// pki dir.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum KeyState {
    Accepted,
    Pending,
    Rejected,
    Denied,
}

impl KeyState {
    /// Every state, in Salt's directory order (`minions`, `minions_pre`,
    /// `minions_rejected`, `minions_denied`).
    pub const ALL: [KeyState; 4] = [
        KeyState::Accepted,
        KeyState::Pending,
        KeyState::Rejected,
        KeyState::Denied,
    ];

    /// The directory name under the pki dir, which is also the key Salt uses
    /// in its JSON output.
    pub fn dir_name(self) -> &'static str {
        match self {
            KeyState::Accepted => "minions",
            KeyState::Pending => "minions_pre",
            KeyState::Rejected => "minions_rejected",
            KeyState::Denied => "minions_denied",
        }
    }

    /// The state whose directory is `name`.
    pub fn from_dir_name(name: &str) -> Option<Self> {
        KeyState::ALL.into_iter().find(|s| s.dir_name() == name)
    }
}

/// Salt's key fingerprint (`pem_finger`, sha256): the hash of the file's
/// non-blank lines without the first and the last one, each line kept with
/// its newline (CRLF turned into LF), written as 32 colon-separated hex
/// pairs.
pub fn fingerprint(text: &str) -> String {
    salt_proto::keys::pem_fingerprint(text)
}

/// Header and footer of a salt-rs public key file.
pub const PUBLIC_KEY_BEGIN: &str = "-----BEGIN SALT-RS PUBLIC KEY-----";
/// See [`PUBLIC_KEY_BEGIN`].
pub const PUBLIC_KEY_END: &str = "-----END SALT-RS PUBLIC KEY-----";

/// A structural check of a minion public key file: the salt-rs header and
/// footer around standard base64 of exactly 64 bytes (ed25519 || x25519).
/// Whether the bytes are a valid curve point is `salt-proto`'s check at
/// enrolment; this one keeps junk out of `minions` when an operator
/// accepts by hand (Salt refuses invalid RSA keys the same way).
pub fn is_valid_public_key(text: &str) -> bool {
    use base64::Engine;
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let [first, body @ .., last] = lines.as_slice() else {
        return false;
    };
    if *first != PUBLIC_KEY_BEGIN || *last != PUBLIC_KEY_END || body.is_empty() {
        return false;
    }
    base64::engine::general_purpose::STANDARD
        .decode(body.concat())
        .is_ok_and(|raw| raw.len() == 64)
}

/// The characters Python's `bytes.strip()` removes.
#[cfg(test)]
mod tests {
    use super::*;

    /// A key file in salt-rs's format.
    const PUB: &str = "-----BEGIN SALT-RS PUBLIC KEY-----\n\
        AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4v\n\
        MDEyMzQ1Njc4OTo7PD0+P0A=\n\
        -----END SALT-RS PUBLIC KEY-----\n";

    #[test]
    fn fingerprint_matches_salts_pem_finger() {
        // Value computed with salt.utils.crypt.pem_finger (Salt 3007.8) over
        // the same file.
        assert_eq!(
            fingerprint(PUB),
            "a8:6e:2b:16:b5:f3:5b:71:7f:0e:52:65:61:fe:e4:cc:99:b2:77:87:bd:56:00:5d:38:f3:6b:04:c6:e3:02:1f"
        );
    }

    #[test]
    fn fingerprint_ignores_blank_lines_crlf_and_missing_final_newline() {
        let crlf = PUB.replace('\n', "\r\n");
        assert_eq!(fingerprint(&crlf), fingerprint(PUB));
        let blank = format!("\n{}\n\n", PUB.replace("\nMDEy", "\n\n  \nMDEy"));
        assert_eq!(fingerprint(&blank), fingerprint(PUB));
        assert_eq!(fingerprint(PUB.trim_end()), fingerprint(PUB));
        // The body is hashed with its line breaks: rewrapping changes it.
        let rewrapped = PUB.replacen("\nMDEy", "MDEy", 1);
        assert_ne!(fingerprint(&rewrapped), fingerprint(PUB));
    }

    #[test]
    fn fingerprint_shape_and_degenerate_input() {
        let f = fingerprint(PUB);
        assert_eq!(f.len(), 95);
        assert_eq!(f.split(':').count(), 32);
        // Nothing between header and footer: the hash of nothing, no panic.
        assert_eq!(
            fingerprint("a\nb\n"),
            "e3:b0:c4:42:98:fc:1c:14:9a:fb:f4:c8:99:6f:b9:24:27:ae:41:e4:64:9b:93:4c:a4:95:99:1b:78:52:b8:55"
        );
        assert_eq!(fingerprint(""), fingerprint("x"));
    }

    #[test]
    fn public_key_check_wants_header_footer_and_64_bytes() {
        let wrapped = "-----BEGIN SALT-RS PUBLIC KEY-----\n\
            AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEB\n\
            AQEBAQEBAQEBAQEBAQEBAQ==\n\
            -----END SALT-RS PUBLIC KEY-----\n";
        assert!(is_valid_public_key(wrapped));
        assert!(is_valid_public_key(&wrapped.replace('\n', "\r\n")));
        assert!(!is_valid_public_key(PUB), "65 bytes");
        assert!(!is_valid_public_key(&wrapped.replace("PUBLIC", "PRIVATE")));
        assert!(!is_valid_public_key(&wrapped.replace("AQEB\n", "AQE!\n")));
        assert!(!is_valid_public_key(
            "-----BEGIN SALT-RS PUBLIC KEY-----\n-----END SALT-RS PUBLIC KEY-----\n"
        ));
        assert!(!is_valid_public_key(""));
    }

    #[test]
    fn state_dir_names_round_trip() {
        for s in KeyState::ALL {
            assert_eq!(KeyState::from_dir_name(s.dir_name()), Some(s));
        }
        assert_eq!(KeyState::from_dir_name("local"), None);
    }
}
