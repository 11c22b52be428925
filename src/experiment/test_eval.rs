//! When a run scores the official test set.

use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// `data.evaluate_test`: whether, and when, a run evaluates the dataset's official test set
/// (for datasets that have one; the others ignore it).
///
/// The cross-validation split selects (learning rates, "best" configurations); the test set
/// reports. Scoring it once, after the last epoch (`"final"`), gives the unbiased final
/// number at the cost of one forward pass; `true` scores it after every epoch (curves of
/// test accuracy), `false` never.
///
/// Written `false`, `true` or `"final"`, and stored the same way, so runs from before
/// `"final"` existed keep their keys.
///
/// ```
/// use mlplab::experiment::TestEval;
/// assert_eq!("final".parse::<TestEval>().unwrap(), TestEval::Final);
/// assert_eq!(serde_json::to_string(&TestEval::Every).unwrap(), "true");
/// assert_eq!(serde_json::from_str::<TestEval>("\"final\"").unwrap(), TestEval::Final);
/// assert!(serde_json::from_str::<TestEval>("\"end\"").unwrap_err().to_string().contains("\"final\""));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum TestEval {
    /// Never (the default).
    #[default]
    Never,
    /// After the last epoch only.
    Final,
    /// Before the first epoch and after every epoch.
    Every,
}

impl TestEval {
    /// True unless [`TestEval::Never`]: the test set has to be loaded.
    pub fn needed(self) -> bool {
        self != TestEval::Never
    }
}

const VALID: &str = "valid: false (never), true (every epoch), \"final\" (after the last epoch)";

impl std::str::FromStr for TestEval {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim() {
            "false" | "never" => Ok(TestEval::Never),
            "true" | "every" => Ok(TestEval::Every),
            "final" => Ok(TestEval::Final),
            other => Err(format!("data.evaluate_test = {other:?}; {VALID}")),
        }
    }
}

impl fmt::Display for TestEval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TestEval::Never => "false",
            TestEval::Every => "true",
            TestEval::Final => "final",
        })
    }
}

impl Serialize for TestEval {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            TestEval::Never => s.serialize_bool(false),
            TestEval::Every => s.serialize_bool(true),
            TestEval::Final => s.serialize_str("final"),
        }
    }
}

struct TestEvalVisitor;

impl Visitor<'_> for TestEvalVisitor {
    type Value = TestEval;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "false, true or \"final\"")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<TestEval, E> {
        Ok(if v { TestEval::Every } else { TestEval::Never })
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<TestEval, E> {
        v.parse().map_err(E::custom)
    }
}

impl<'de> Deserialize<'de> for TestEval {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<TestEval, D::Error> {
        d.deserialize_any(TestEvalVisitor)
    }
}
