//! The `overfitting` block an optimisation spec (submit or seasonality optimise) may carry: how many blocks
//! PBO's combinatorially symmetric cross-validation cuts the evaluation period into.

use super::SpecError;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// S when the spec does not say: C(16, 8) = 12,870 splits, all of them evaluated (Bailey et al. 2015 use 16).
pub const DEFAULT_BLOCKS: usize = 16;

/// The most blocks a spec may ask for (the split masks are 64-bit).
pub const MAX_BLOCKS: usize = 64;

/// `overfitting`: `{"blocks": S}`, S even from 2 to [`MAX_BLOCKS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct OverfittingSpec {
    #[serde(default = "default_blocks")]
    pub blocks: usize,
}

fn default_blocks() -> usize {
    DEFAULT_BLOCKS
}

impl Default for OverfittingSpec {
    fn default() -> Self {
        OverfittingSpec { blocks: DEFAULT_BLOCKS }
    }
}

impl OverfittingSpec {
    /// The block of a spec's root (absent or null: the defaults), with errors naming `overfitting.<key>`.
    pub fn parse(value: Option<&Value>) -> Result<Self, SpecError> {
        let spec = match value {
            None | Some(Value::Null) => OverfittingSpec::default(),
            Some(v) => super::from_value(v.clone()).map_err(|e| e.under(["overfitting"]))?,
        };
        spec.check()
    }

    /// Refuses an odd count or one outside 2…[`MAX_BLOCKS`].
    pub fn check(self) -> Result<Self, SpecError> {
        if self.blocks < 2 || self.blocks > MAX_BLOCKS || self.blocks % 2 != 0 {
            return Err(SpecError::new(
                ["overfitting", "blocks"],
                format!("must be an even number from 2 to {MAX_BLOCKS}, got {}", self.blocks),
            ));
        }
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn blocks_default_to_16_and_must_be_even_from_2_to_64() {
        assert_eq!(OverfittingSpec::parse(None).unwrap().blocks, 16);
        assert_eq!(OverfittingSpec::parse(Some(&Value::Null)).unwrap().blocks, 16);
        assert_eq!(OverfittingSpec::parse(Some(&json!({}))).unwrap().blocks, 16);
        for ok in [2, 8, 64] {
            assert_eq!(OverfittingSpec::parse(Some(&json!({"blocks": ok}))).unwrap().blocks, ok);
        }
        for bad in [0, 7, 66] {
            let e = OverfittingSpec::parse(Some(&json!({"blocks": bad}))).unwrap_err();
            assert_eq!(e.field(), "overfitting.blocks");
            assert!(e.message.contains(&format!("got {bad}")), "{e}");
        }
        let e = OverfittingSpec::parse(Some(&json!({"blocks": "many"}))).unwrap_err();
        assert_eq!(e.field(), "overfitting.blocks", "{e}");
        let e = OverfittingSpec::parse(Some(&json!({"splits": 3}))).unwrap_err();
        assert!(e.message.contains("unknown field `splits`"), "{e}");
    }
}
