//! The keyword names an argument struct accepts, read from its serde derive.
//! Both registries (state functions here, execution functions in salt-exec)
//! bind Salt's keyword arguments to structs with it.

use serde::de::DeserializeOwned;

/// The field names serde's derive gives a struct (`#[serde(rename)]`s
/// applied), asked from the derive itself by a deserializer that only records
/// them, so the keywords a function accepts and its argument struct never
/// disagree. Empty for a type that is not a struct.
pub fn field_names<T: DeserializeOwned>() -> &'static [&'static str] {
    let mut fields = None;
    let _ = T::deserialize(FieldCapture(&mut fields));
    fields.unwrap_or(&[])
}

struct FieldCapture<'a>(&'a mut Option<&'static [&'static str]>);

#[derive(Debug)]
struct Captured;

impl std::fmt::Display for Captured {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("field names captured")
    }
}

impl std::error::Error for Captured {}

impl serde::de::Error for Captured {
    fn custom<M: std::fmt::Display>(_: M) -> Self {
        Captured
    }
}

impl<'de> serde::Deserializer<'de> for FieldCapture<'_> {
    type Error = Captured;

    fn deserialize_any<V: serde::de::Visitor<'de>>(self, _: V) -> Result<V::Value, Captured> {
        Err(Captured)
    }

    fn deserialize_struct<V: serde::de::Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Captured> {
        *self.0 = Some(fields);
        Err(Captured)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map enum identifier ignored_any
    }
}
