//! Job ids in Salt's 20-digit format: `YYYYmmddHHMMSSffffff` (local time,
//! microseconds), unique within one master process.

use std::fmt;
use std::sync::Mutex;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A job id: exactly 20 ASCII digits.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Jid([u8; 20]);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid jid {0:?}: a jid is 20 digits (YYYYmmddHHMMSSffffff)")]
pub struct JidError(pub String);

static LAST: Mutex<u128> = Mutex::new(0);

impl Jid {
    pub fn parse(s: &str) -> Result<Self, JidError> {
        let b = s.as_bytes();
        if b.len() != 20 || !b.iter().all(u8::is_ascii_digit) {
            return Err(JidError(s.chars().take(40).collect()));
        }
        let mut a = [0u8; 20];
        a.copy_from_slice(b);
        Ok(Self(a))
    }

    /// A new jid from the current local time; strictly greater than every
    /// jid this process made before.
    /// Salt's display of the job's start time (its id is that time):
    /// `2026, Nov 21 21:05:08.967619`; `None` when the digits are no date.
    pub fn start_time_text(&self) -> Option<String> {
        let jid = self.as_str();
        let num = |r: std::ops::Range<usize>| jid.get(r).and_then(|s| s.parse::<u32>().ok());
        let year = num(0..4)?;
        let month = num(4..6)?;
        let (day, hour, minute, second) = (num(6..8)?, num(8..10)?, num(10..12)?, num(12..14)?);
        let micros = jid.get(14..20)?;
        let month_name = time::Month::try_from(u8::try_from(month).ok()?).ok()?;
        let date = time::Date::from_calendar_date(
            i32::try_from(year).ok()?,
            month_name,
            u8::try_from(day).ok()?,
        )
        .ok()?;
        if hour > 23 || minute > 59 || second > 59 {
            return None;
        }
        let abbrev = &month_name.to_string()[..3];
        Some(format!(
            "{}, {} {:02} {:02}:{:02}:{:02}.{}",
            date.year(),
            abbrev,
            day,
            hour,
            minute,
            second,
            micros
        ))
    }

    pub fn generate() -> Self {
        let now =
            time::OffsetDateTime::now_local().unwrap_or_else(|_| time::OffsetDateTime::now_utc());
        let mut n: u128 = format!(
            "{:04}{:02}{:02}{:02}{:02}{:02}{:06}",
            now.year(),
            u8::from(now.month()),
            now.day(),
            now.hour(),
            now.minute(),
            now.second(),
            now.microsecond()
        )
        .parse()
        .unwrap_or(0);
        let mut last = LAST.lock().unwrap_or_else(|e| e.into_inner());
        if n <= *last {
            n = *last + 1;
        }
        *last = n;
        Self::parse(&format!("{n:020}")).expect("formatted jid has 20 digits")
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).expect("jid is ASCII digits")
    }
}

impl std::str::FromStr for Jid {
    type Err = JidError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for Jid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Jid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Jid({})", self.as_str())
    }
}

impl Serialize for Jid {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Jid {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Jid::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_jids_are_20_digits_and_increase() {
        let a = Jid::generate();
        let b = Jid::generate();
        assert_eq!(a.as_str().len(), 20);
        assert!(b > a);
        assert!(a.as_str().starts_with("20"));
    }

    #[test]
    fn parse_rejects_wrong_shapes() {
        assert!(Jid::parse("20261121210639212923").is_ok());
        for bad in [
            "",
            "2026112121063921292",
            "2026112121063921292x",
            "202611212106392129233",
        ] {
            assert!(Jid::parse(bad).is_err());
        }
    }
}
