//! Long text columns through the Any driver: MySQL hands `TEXT`/`MEDIUMTEXT`/`LONGTEXT` over as bytes, SQLite as text.

use sqlx::any::{Any, AnyTypeInfo, AnyValueRef};
use sqlx::error::BoxDynError;
use sqlx::{Decode, Type, ValueRef};

/// A nullable text column read as text or as bytes (decoded as lossy UTF-8); a row field reads it with
/// `#[sqlx(try_from = "StoredText")]` as `Option<String>`, or as `String` with null read as empty.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct StoredText(Option<String>);

impl Type<Any> for StoredText {
    fn type_info() -> AnyTypeInfo {
        <String as Type<Any>>::type_info()
    }

    fn compatible(ty: &AnyTypeInfo) -> bool {
        <String as Type<Any>>::compatible(ty) || <Vec<u8> as Type<Any>>::compatible(ty)
    }
}

impl<'r> Decode<'r, Any> for StoredText {
    fn decode(value: AnyValueRef<'r>) -> Result<Self, BoxDynError> {
        if value.is_null() {
            return Ok(StoredText(None));
        }
        let text = match <String as Decode<Any>>::decode(value.clone()) {
            Ok(text) => text,
            Err(_) => String::from_utf8_lossy(&<Vec<u8> as Decode<Any>>::decode(value)?).into_owned(),
        };
        Ok(StoredText(Some(text)))
    }
}

impl From<StoredText> for Option<String> {
    fn from(text: StoredText) -> Self {
        text.0
    }
}

impl From<StoredText> for String {
    fn from(text: StoredText) -> Self {
        text.0.unwrap_or_default()
    }
}
