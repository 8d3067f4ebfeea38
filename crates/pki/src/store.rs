//! The key directories themselves: listing, enrolment decisions, and the
//! moves behind accept / reject / delete.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use salt_types::MinionId;

use crate::KeyState;
use crate::fsutil::{self, create_private_dir, read_optional, write_atomic};
use crate::glob::fnmatch;
use crate::policy::AutoPolicy;

/// File name of the master's private key in the pki dir.
pub const MASTER_PRIVATE: &str = "master.pem";
/// File name of the master's public key in the pki dir.
pub const MASTER_PUBLIC: &str = "master.pub";

/// Keys that matched a glob, per state, in Salt's directory order; only
/// states with a match appear. An id matched by two comma-separated globs
/// appears twice, as in Salt.
pub type KeyMatches = Vec<(KeyState, Vec<MinionId>)>;

/// Longest key file accepted at enrolment.
const MAX_KEY_TEXT: usize = 16 * 1024;

/// The key registry in one pki dir.
#[derive(Debug)]
pub struct KeyStore {
    pki_dir: PathBuf,
    /// Serialises this process's changes, so two enrolments of one id
    /// cannot interleave.
    lock: Mutex<()>,
}

impl KeyStore {
    /// Opens the registry at `pki_dir`, creating it and the four key
    /// directories (mode 0700) when missing.
    pub fn open(pki_dir: &Path) -> io::Result<Self> {
        create_private_dir(pki_dir)?;
        for state in KeyState::ALL {
            create_private_dir(&pki_dir.join(state.dir_name()))?;
        }
        Ok(Self {
            pki_dir: pki_dir.to_path_buf(),
            lock: Mutex::new(()),
        })
    }

    /// The pki dir this store works in.
    pub fn pki_dir(&self) -> &Path {
        &self.pki_dir
    }

    /// Path of the key file of `id` in `state`.
    pub fn key_path(&self, state: KeyState, id: &MinionId) -> PathBuf {
        self.pki_dir.join(state.dir_name()).join(id.as_str())
    }

    /// The ids filed under `state`, sorted case-insensitively (Salt's
    /// order). Hidden files (our temp files among them) are skipped, and so
    /// are names that are not valid minion ids (logged).
    pub fn list(&self, state: KeyState) -> io::Result<Vec<MinionId>> {
        let dir = self.pki_dir.join(state.dir_name());
        let mut ids = Vec::new();
        for entry in std::fs::read_dir(&dir)? {
            let entry = entry?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else {
                tracing::warn!(dir = %dir.display(), "skipping key file with a non-UTF-8 name");
                continue;
            };
            if name.starts_with('.') || !entry.path().is_file() {
                continue;
            }
            match MinionId::parse(name) {
                Ok(id) => ids.push(id),
                Err(e) => tracing::warn!(dir = %dir.display(), error = %e, "skipping key file"),
            }
        }
        ids.sort_by(|a, b| sort_key(a.as_str()).cmp(&sort_key(b.as_str())));
        Ok(ids)
    }

    /// Where `id`'s key is filed and its text: accepted first, then
    /// pending, rejected, denied.
    pub fn state_of(&self, id: &MinionId) -> io::Result<Option<(KeyState, String)>> {
        for state in KeyState::ALL {
            if let Some(text) = self.read_key(state, id)? {
                return Ok(Some((state, text)));
            }
        }
        Ok(None)
    }

    /// The key text of `id` in `state`, if filed there.
    pub fn read_key(&self, state: KeyState, id: &MinionId) -> io::Result<Option<String>> {
        read_optional(&self.key_path(state, id))
    }

    /// Files `text` as `id`'s key in `state` (atomically, mode 0644),
    /// replacing what was there.
    pub fn write_key(&self, state: KeyState, id: &MinionId, text: &str) -> io::Result<()> {
        write_atomic(
            &self.pki_dir.join(state.dir_name()),
            id.as_str(),
            text.as_bytes(),
            0o644,
        )
    }

    /// Moves `id`'s key from `from` to `to`, replacing a key already in
    /// `to`. `Ok(false)` when there was no key in `from`.
    pub fn move_key(&self, id: &MinionId, from: KeyState, to: KeyState) -> io::Result<bool> {
        if from == to {
            return Ok(self.key_path(from, id).is_file());
        }
        fsutil::rename_file(&self.key_path(from, id), &self.key_path(to, id))
    }

    /// Whether the key of `id` in `state` may be accepted: it exists and is
    /// a well-formed salt-rs public key ([`crate::is_valid_public_key`]).
    pub fn is_acceptable(&self, state: KeyState, id: &MinionId) -> io::Result<bool> {
        Ok(self
            .read_key(state, id)?
            .is_some_and(|text| crate::is_valid_public_key(&text)))
    }

    /// Removes `id`'s key from `state`; `Ok(false)` when there was none.
    pub fn remove_key(&self, id: &MinionId, state: KeyState) -> io::Result<bool> {
        fsutil::remove_file(&self.key_path(state, id))
    }

    /// The master's decision on `id` presenting the public key `pem`,
    /// following Salt's rules:
    ///
    /// - a rejected id stays rejected, whatever key it presents;
    /// - an accepted id with the same key is accepted; with another key the
    ///   new key is filed in `minions_denied` and the answer is denied;
    /// - a pending id: auto-rejected ids move to rejected; another key than
    ///   the pending one is denied (filed in `minions_denied`); the same key
    ///   is accepted when auto-accepted/autosigned, else stays pending;
    /// - an unknown id: auto-reject files it as rejected, auto-accept or
    ///   autosign as accepted, otherwise it waits in `minions_pre`.
    ///
    /// Keys are compared ignoring whitespace (line wrapping, CRLF).
    pub fn enroll(&self, id: &MinionId, pem: &str, policy: &AutoPolicy) -> io::Result<KeyState> {
        if pem.trim().is_empty() || pem.len() > MAX_KEY_TEXT || pem.contains('\0') {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("public key text for {id} is empty, too long or binary"),
            ));
        }
        let _guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        if self.read_key(KeyState::Rejected, id)?.is_some() {
            tracing::info!(%id, "public key rejected: it is in minions_rejected");
            return Ok(KeyState::Rejected);
        }
        if let Some(accepted) = self.read_key(KeyState::Accepted, id)? {
            if same_key(&accepted, pem) {
                return Ok(KeyState::Accepted);
            }
            tracing::error!(
                %id,
                "authentication attempt with a different key than the accepted one; \
                 the new key is in minions_denied"
            );
            self.write_key(KeyState::Denied, id, pem)?;
            return Ok(KeyState::Denied);
        }
        let auto_reject = policy.autoreject_matches(id.as_str());
        let auto_sign = policy.autosign_matches(id.as_str());
        match self.read_key(KeyState::Pending, id)? {
            None => {
                if auto_reject {
                    tracing::info!(%id, "new public key rejected via autoreject_file");
                    self.write_key(KeyState::Rejected, id, pem)?;
                    Ok(KeyState::Rejected)
                } else if auto_sign {
                    tracing::info!(%id, "new public key accepted automatically");
                    self.write_key(KeyState::Accepted, id, pem)?;
                    Ok(KeyState::Accepted)
                } else {
                    tracing::info!(%id, "new public key placed in pending");
                    self.write_key(KeyState::Pending, id, pem)?;
                    Ok(KeyState::Pending)
                }
            }
            Some(pending) => {
                if auto_reject {
                    tracing::info!(%id, "pending public key rejected via autoreject_file");
                    self.move_key(id, KeyState::Pending, KeyState::Rejected)?;
                    Ok(KeyState::Rejected)
                } else if !same_key(&pending, pem) {
                    tracing::error!(
                        %id,
                        "authentication attempt with a different key than the pending one; \
                         the new key is in minions_denied"
                    );
                    self.write_key(KeyState::Denied, id, pem)?;
                    Ok(KeyState::Denied)
                } else if auto_sign {
                    tracing::info!(%id, "pending public key accepted automatically");
                    self.write_key(KeyState::Accepted, id, pem)?;
                    self.remove_key(id, KeyState::Pending)?;
                    Ok(KeyState::Accepted)
                } else {
                    tracing::info!(%id, "key is pending; accept it with salt-rs-key -a {id}");
                    Ok(KeyState::Pending)
                }
            }
        }
    }

    /// Salt's `name_match`: the keys whose id matches `glob` (several globs
    /// may be separated by commas), per state.
    pub fn name_match(&self, glob: &str) -> io::Result<KeyMatches> {
        let globs: Vec<&str> = if glob.contains(',') {
            glob.split(',').collect()
        } else {
            vec![glob]
        };
        let mut out = Vec::new();
        for state in KeyState::ALL {
            let mut hits = Vec::new();
            for id in self.list(state)? {
                for g in &globs {
                    if fnmatch(id.as_str(), g) {
                        hits.push(id.clone());
                    }
                }
            }
            if !hits.is_empty() {
                out.push((state, hits));
            }
        }
        Ok(out)
    }

    /// Accepts the pending keys matching `glob` (and the rejected / denied
    /// ones when asked); a denied key replaces an accepted key of the same
    /// id, as in Salt. Malformed keys are left where they are (logged), as
    /// Salt does with invalid RSA keys. Returns the ids accepted.
    pub fn accept(
        &self,
        glob: &str,
        include_rejected: bool,
        include_denied: bool,
    ) -> io::Result<Vec<MinionId>> {
        let mut from = vec![KeyState::Pending];
        if include_rejected {
            from.push(KeyState::Rejected);
        }
        if include_denied {
            from.push(KeyState::Denied);
        }
        self.move_matching(glob, &from, KeyState::Accepted)
    }

    /// Rejects the pending keys matching `glob` (and the accepted / denied
    /// ones when asked). Returns the ids rejected.
    pub fn reject(
        &self,
        glob: &str,
        include_accepted: bool,
        include_denied: bool,
    ) -> io::Result<Vec<MinionId>> {
        let mut from = vec![KeyState::Pending];
        if include_accepted {
            from.push(KeyState::Accepted);
        }
        if include_denied {
            from.push(KeyState::Denied);
        }
        self.move_matching(glob, &from, KeyState::Rejected)
    }

    /// Deletes every key matching `glob`, in any state. Returns what was
    /// removed.
    pub fn delete(&self, glob: &str) -> io::Result<Vec<(MinionId, KeyState)>> {
        let _guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        let mut out = Vec::new();
        for (state, ids) in self.name_match(glob)? {
            for id in ids {
                if self.remove_key(&id, state)? {
                    out.push((id, state));
                }
            }
        }
        Ok(out)
    }

    /// The key files of the master itself (`*.pem`, `*.pub` in the pki
    /// dir), sorted case-insensitively.
    pub fn local_keys(&self) -> io::Result<Vec<String>> {
        let mut names = Vec::new();
        for entry in std::fs::read_dir(&self.pki_dir)? {
            let entry = entry?;
            if let Some(name) = entry.file_name().to_str()
                && (name.ends_with(".pem") || name.ends_with(".pub"))
                && !name.starts_with('.')
            {
                names.push(name.to_owned());
            }
        }
        names.sort_by(|a, b| sort_key(a).cmp(&sort_key(b)));
        Ok(names)
    }

    /// The master's key pair `(master.pem, master.pub)`, if both exist.
    pub fn read_master_keys(&self) -> io::Result<Option<(String, String)>> {
        let private = read_optional(&self.pki_dir.join(MASTER_PRIVATE))?;
        let public = read_optional(&self.pki_dir.join(MASTER_PUBLIC))?;
        Ok(private.zip(public))
    }

    /// Writes the master's key pair: `master.pem` mode 0600, `master.pub`
    /// mode 0644, each atomically.
    pub fn write_master_keys(&self, private_pem: &str, public_pem: &str) -> io::Result<()> {
        write_atomic(&self.pki_dir, MASTER_PRIVATE, private_pem.as_bytes(), 0o600)?;
        write_atomic(&self.pki_dir, MASTER_PUBLIC, public_pem.as_bytes(), 0o644)
    }

    /// Salt's `pem_finger` of a key text; see [`crate::fingerprint`].
    pub fn fingerprint(text: &str) -> String {
        crate::fingerprint(text)
    }

    fn move_matching(
        &self,
        glob: &str,
        from: &[KeyState],
        to: KeyState,
    ) -> io::Result<Vec<MinionId>> {
        let _guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        let mut moved: Vec<MinionId> = Vec::new();
        for (state, ids) in self.name_match(glob)? {
            if !from.contains(&state) {
                continue;
            }
            for id in ids {
                if to == KeyState::Accepted && !self.is_acceptable(state, &id)? {
                    tracing::error!(%id, state = state.dir_name(), "invalid public key; not accepting it");
                    continue;
                }
                if self.move_key(&id, state, to)? && !moved.contains(&id) {
                    moved.push(id);
                }
            }
        }
        Ok(moved)
    }
}

/// Python's `sorted_ignorecase`, with the original as a tie-break so the
/// order is total.
fn sort_key(s: &str) -> (String, &str) {
    (s.to_lowercase(), s)
}

fn same_key(a: &str, b: &str) -> bool {
    a.split_whitespace().eq(b.split_whitespace())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;
    use std::os::unix::fs::PermissionsExt;

    const KEY_A: &str = "-----BEGIN SALT-RS PUBLIC KEY-----\n\
        AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEB\n\
        AQEBAQEBAQEBAQEBAQEBAQ==\n-----END SALT-RS PUBLIC KEY-----\n";
    const KEY_B: &str = "-----BEGIN SALT-RS PUBLIC KEY-----\n\
        AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIC\n\
        AgICAgICAgICAgICAgICAg==\n-----END SALT-RS PUBLIC KEY-----\n";

    fn id(s: &str) -> MinionId {
        MinionId::parse(s).unwrap()
    }

    fn store() -> (tempfile::TempDir, KeyStore) {
        let d = tempfile::tempdir().unwrap();
        let s = KeyStore::open(&d.path().join("pki/master")).unwrap();
        (d, s)
    }

    fn manual() -> AutoPolicy {
        AutoPolicy::default()
    }

    fn where_is(s: &KeyStore, name: &str) -> Vec<KeyState> {
        KeyState::ALL
            .into_iter()
            .filter(|st| s.key_path(*st, &id(name)).is_file())
            .collect()
    }

    #[test]
    fn open_creates_the_four_private_dirs() {
        let (_d, s) = store();
        for st in KeyState::ALL {
            let m = fs::metadata(s.pki_dir().join(st.dir_name())).unwrap();
            assert!(m.is_dir());
            assert_eq!(m.permissions().mode() & 0o777, 0o700);
        }
    }

    #[test]
    fn unknown_minion_waits_in_pending_and_stays_there() {
        let (_d, s) = store();
        assert_eq!(
            s.enroll(&id("m1"), KEY_A, &manual()).unwrap(),
            KeyState::Pending
        );
        assert_eq!(where_is(&s, "m1"), vec![KeyState::Pending]);
        let m = fs::metadata(s.key_path(KeyState::Pending, &id("m1"))).unwrap();
        assert_eq!(m.permissions().mode() & 0o777, 0o644);
        assert_eq!(
            s.enroll(&id("m1"), KEY_A, &manual()).unwrap(),
            KeyState::Pending
        );
        // Rewrapped / CRLF text is still the same key.
        let crlf = KEY_A.replace('\n', "\r\n");
        assert_eq!(
            s.enroll(&id("m1"), &crlf, &manual()).unwrap(),
            KeyState::Pending
        );
        assert_eq!(
            s.state_of(&id("m1")).unwrap(),
            Some((KeyState::Pending, KEY_A.to_owned()))
        );
    }

    #[test]
    fn pending_with_another_key_is_denied() {
        let (_d, s) = store();
        s.enroll(&id("m1"), KEY_A, &manual()).unwrap();
        assert_eq!(
            s.enroll(&id("m1"), KEY_B, &manual()).unwrap(),
            KeyState::Denied
        );
        assert_eq!(
            where_is(&s, "m1"),
            vec![KeyState::Pending, KeyState::Denied]
        );
        assert_eq!(
            s.read_key(KeyState::Denied, &id("m1")).unwrap().as_deref(),
            Some(KEY_B)
        );
        assert_eq!(
            s.read_key(KeyState::Pending, &id("m1")).unwrap().as_deref(),
            Some(KEY_A)
        );
    }

    #[test]
    fn accepted_same_key_ok_other_key_denied_replacing() {
        let (_d, s) = store();
        let key_c = KEY_B.replace("AgIC\n", "AgID\n");
        s.write_key(KeyState::Accepted, &id("m1"), KEY_A).unwrap();
        assert_eq!(
            s.enroll(&id("m1"), KEY_A, &manual()).unwrap(),
            KeyState::Accepted
        );
        assert_eq!(
            s.enroll(&id("m1"), KEY_B, &manual()).unwrap(),
            KeyState::Denied
        );
        assert_eq!(
            s.enroll(&id("m1"), &key_c, &manual()).unwrap(),
            KeyState::Denied
        );
        assert_eq!(
            s.read_key(KeyState::Denied, &id("m1")).unwrap(),
            Some(key_c)
        );
        // The accepted key is untouched and still works.
        assert_eq!(
            s.read_key(KeyState::Accepted, &id("m1"))
                .unwrap()
                .as_deref(),
            Some(KEY_A)
        );
        assert_eq!(
            s.enroll(&id("m1"), KEY_A, &manual()).unwrap(),
            KeyState::Accepted
        );
        // Even auto_accept does not let a changed key in.
        let auto = AutoPolicy::load(true, None, None);
        assert_eq!(s.enroll(&id("m1"), KEY_B, &auto).unwrap(), KeyState::Denied);
    }

    #[test]
    fn rejected_stays_rejected_whatever_the_key() {
        let (_d, s) = store();
        s.write_key(KeyState::Rejected, &id("m1"), KEY_A).unwrap();
        let auto = AutoPolicy::load(true, None, None);
        assert_eq!(
            s.enroll(&id("m1"), KEY_A, &auto).unwrap(),
            KeyState::Rejected
        );
        assert_eq!(
            s.enroll(&id("m1"), KEY_B, &manual()).unwrap(),
            KeyState::Rejected
        );
        assert_eq!(where_is(&s, "m1"), vec![KeyState::Rejected]);
    }

    #[test]
    fn auto_accept_and_autosign_accept_new_and_pending_keys() {
        let (_d, s) = store();
        let auto = AutoPolicy::load(true, None, None);
        assert_eq!(
            s.enroll(&id("m1"), KEY_A, &auto).unwrap(),
            KeyState::Accepted
        );
        assert_eq!(where_is(&s, "m1"), vec![KeyState::Accepted]);

        let sign = AutoPolicy {
            autosign: vec!["web*".into(), r"db\d+".into()],
            ..AutoPolicy::default()
        };
        assert_eq!(
            s.enroll(&id("web1"), KEY_A, &sign).unwrap(),
            KeyState::Accepted
        );
        assert_eq!(
            s.enroll(&id("db12"), KEY_A, &sign).unwrap(),
            KeyState::Accepted
        );
        assert_eq!(
            s.enroll(&id("app1"), KEY_A, &sign).unwrap(),
            KeyState::Pending
        );

        // Pending, then autosign appears: the same key is accepted and
        // leaves minions_pre; a different key is denied.
        s.enroll(&id("web9"), KEY_A, &manual()).unwrap();
        s.enroll(&id("web8"), KEY_A, &manual()).unwrap();
        assert_eq!(
            s.enroll(&id("web9"), KEY_A, &sign).unwrap(),
            KeyState::Accepted
        );
        assert_eq!(where_is(&s, "web9"), vec![KeyState::Accepted]);
        assert_eq!(
            s.enroll(&id("web8"), KEY_B, &sign).unwrap(),
            KeyState::Denied
        );
        assert_eq!(
            where_is(&s, "web8"),
            vec![KeyState::Pending, KeyState::Denied]
        );
    }

    #[test]
    fn autoreject_wins_for_new_and_pending_keys() {
        let (_d, s) = store();
        let pol = AutoPolicy {
            auto_accept: true,
            autosign: vec![],
            autoreject: vec!["evil*".into()],
        };
        assert_eq!(
            s.enroll(&id("evil1"), KEY_A, &pol).unwrap(),
            KeyState::Rejected
        );
        assert_eq!(where_is(&s, "evil1"), vec![KeyState::Rejected]);
        s.enroll(&id("evil2"), KEY_A, &manual()).unwrap();
        assert_eq!(
            s.enroll(&id("evil2"), KEY_B, &pol).unwrap(),
            KeyState::Rejected
        );
        assert_eq!(where_is(&s, "evil2"), vec![KeyState::Rejected]);
        assert_eq!(
            s.read_key(KeyState::Rejected, &id("evil2"))
                .unwrap()
                .as_deref(),
            Some(KEY_A)
        );
        assert_eq!(
            s.enroll(&id("good"), KEY_A, &pol).unwrap(),
            KeyState::Accepted
        );
    }

    #[test]
    fn enroll_refuses_empty_or_huge_text() {
        let (_d, s) = store();
        assert!(s.enroll(&id("m1"), "  \n", &manual()).is_err());
        assert!(
            s.enroll(&id("m1"), &"A".repeat(MAX_KEY_TEXT + 1), &manual())
                .is_err()
        );
        assert_eq!(s.state_of(&id("m1")).unwrap(), None);
    }

    #[test]
    fn list_is_sorted_ignoring_case_and_skips_hidden_and_bad_names() {
        let (_d, s) = store();
        for n in ["minion1", "Minion2", "alpha"] {
            s.write_key(KeyState::Accepted, &id(n), KEY_A).unwrap();
        }
        let dir = s.pki_dir().join("minions");
        fs::write(dir.join(".tmp"), "x").unwrap();
        fs::write(dir.join("bad name"), "x").unwrap();
        fs::create_dir(dir.join("subdir")).unwrap();
        let names: Vec<String> = s
            .list(KeyState::Accepted)
            .unwrap()
            .iter()
            .map(|i| i.to_string())
            .collect();
        assert_eq!(names, ["alpha", "minion1", "Minion2"]);
    }

    fn setup_mixed(s: &KeyStore) {
        s.write_key(KeyState::Accepted, &id("minion1"), KEY_A)
            .unwrap();
        s.write_key(KeyState::Pending, &id("minion3"), KEY_A)
            .unwrap();
        s.write_key(KeyState::Pending, &id("alpha"), KEY_A).unwrap();
        s.write_key(KeyState::Rejected, &id("beta"), KEY_A).unwrap();
        s.write_key(KeyState::Denied, &id("minion1"), KEY_B)
            .unwrap();
    }

    #[test]
    fn name_match_orders_states_and_splits_commas() {
        let (_d, s) = store();
        setup_mixed(&s);
        let m = s.name_match("minion*").unwrap();
        assert_eq!(
            m,
            vec![
                (KeyState::Accepted, vec![id("minion1")]),
                (KeyState::Pending, vec![id("minion3")]),
                (KeyState::Denied, vec![id("minion1")]),
            ]
        );
        let m = s.name_match("beta,alpha,a*").unwrap();
        assert_eq!(
            m,
            vec![
                (KeyState::Pending, vec![id("alpha"), id("alpha")]),
                (KeyState::Rejected, vec![id("beta")]),
            ]
        );
        assert!(s.name_match("nomatch").unwrap().is_empty());
    }

    #[test]
    fn accept_moves_pending_and_optionally_rejected_and_denied() {
        let (_d, s) = store();
        setup_mixed(&s);
        assert_eq!(
            s.accept("*", false, false).unwrap(),
            vec![id("alpha"), id("minion3")]
        );
        assert_eq!(where_is(&s, "beta"), vec![KeyState::Rejected]);
        assert_eq!(
            where_is(&s, "minion1"),
            vec![KeyState::Accepted, KeyState::Denied]
        );
        assert_eq!(s.accept("*", true, false).unwrap(), vec![id("beta")]);
        assert_eq!(where_is(&s, "beta"), vec![KeyState::Accepted]);
        // Accepting a denied key replaces the accepted one.
        assert_eq!(
            s.accept("minion1", false, true).unwrap(),
            vec![id("minion1")]
        );
        assert_eq!(where_is(&s, "minion1"), vec![KeyState::Accepted]);
        assert_eq!(
            s.read_key(KeyState::Accepted, &id("minion1"))
                .unwrap()
                .as_deref(),
            Some(KEY_B)
        );
        assert!(s.accept("*", true, true).unwrap().is_empty());
    }

    #[test]
    fn accept_leaves_malformed_keys_alone() {
        let (_d, s) = store();
        s.write_key(KeyState::Pending, &id("junk"), "not a key\n")
            .unwrap();
        s.write_key(KeyState::Pending, &id("good"), KEY_A).unwrap();
        assert_eq!(s.accept("*", false, false).unwrap(), vec![id("good")]);
        assert_eq!(where_is(&s, "junk"), vec![KeyState::Pending]);
        assert!(!s.is_acceptable(KeyState::Pending, &id("junk")).unwrap());
        assert!(!s.is_acceptable(KeyState::Pending, &id("absent")).unwrap());
    }

    #[test]
    fn reject_moves_pending_and_optionally_accepted_and_denied() {
        let (_d, s) = store();
        setup_mixed(&s);
        assert_eq!(
            s.reject("minion*", false, false).unwrap(),
            vec![id("minion3")]
        );
        assert_eq!(
            where_is(&s, "minion1"),
            vec![KeyState::Accepted, KeyState::Denied]
        );
        assert_eq!(
            s.reject("minion1", true, false).unwrap(),
            vec![id("minion1")]
        );
        assert_eq!(
            where_is(&s, "minion1"),
            vec![KeyState::Rejected, KeyState::Denied]
        );
        assert_eq!(
            s.reject("minion1", false, true).unwrap(),
            vec![id("minion1")]
        );
        assert_eq!(where_is(&s, "minion1"), vec![KeyState::Rejected]);
        assert_eq!(
            s.read_key(KeyState::Rejected, &id("minion1"))
                .unwrap()
                .as_deref(),
            Some(KEY_B)
        );
    }

    #[test]
    fn delete_removes_every_state() {
        let (_d, s) = store();
        setup_mixed(&s);
        let gone = s.delete("minion1,beta").unwrap();
        assert_eq!(
            gone,
            vec![
                (id("minion1"), KeyState::Accepted),
                (id("beta"), KeyState::Rejected),
                (id("minion1"), KeyState::Denied),
            ]
        );
        assert!(where_is(&s, "minion1").is_empty());
        assert_eq!(
            s.list(KeyState::Pending).unwrap(),
            vec![id("alpha"), id("minion3")]
        );
        assert!(s.delete("nomatch").unwrap().is_empty());
    }

    #[test]
    fn master_keys_and_local_listing() {
        let (_d, s) = store();
        assert_eq!(s.read_master_keys().unwrap(), None);
        s.write_master_keys("PRIV", "PUB").unwrap();
        let mode = |n: &str| {
            fs::metadata(s.pki_dir().join(n))
                .unwrap()
                .permissions()
                .mode()
                & 0o777
        };
        assert_eq!(mode(MASTER_PRIVATE), 0o600);
        assert_eq!(mode(MASTER_PUBLIC), 0o644);
        assert_eq!(
            s.read_master_keys().unwrap(),
            Some(("PRIV".into(), "PUB".into()))
        );
        fs::write(s.pki_dir().join("notes.txt"), "x").unwrap();
        assert_eq!(s.local_keys().unwrap(), ["master.pem", "master.pub"]);
    }
}
