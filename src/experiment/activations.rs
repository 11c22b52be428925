//! The activations of a network's hidden layers: one for all, or one per layer.

use std::fmt;
use std::str::FromStr;

use serde::de::{Deserializer, Error as _, SeqAccess, Visitor};
use serde::ser::Serializer;
use serde::{Deserialize, Serialize};

use crate::nn::activation::Activation;

/// `network.activation`: one activation for every hidden layer (written as a string, as
/// before per-layer activations existed, so such runs keep their keys) or one per hidden
/// layer (written as a list whose length must equal `network.hidden`'s). A list of one is
/// the same as the string.
///
/// ```
/// use mlplab::Activation;
/// use mlplab::experiment::HiddenActivations;
/// let one: HiddenActivations = "tanh".parse().unwrap();
/// assert_eq!(one, HiddenActivations::All(Activation::Tanh));
/// let per: HiddenActivations = "tanh,relu,leaky-relu(0.1)".parse().unwrap();
/// assert_eq!(per.layer(2), Activation::LeakyRelu(0.1));
/// assert_eq!(serde_json::to_string(&one).unwrap(), r#""tanh""#);
/// assert_eq!(serde_json::to_string(&per).unwrap(), r#"["tanh","relu","leaky-relu(0.1)"]"#);
/// assert!(per.check(2).unwrap_err().contains("3 activations"));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub enum HiddenActivations {
    /// The same activation on every hidden layer.
    All(Activation),
    /// One activation per hidden layer, in order.
    PerLayer(Vec<Activation>),
}

impl HiddenActivations {
    /// From a list: one element means every layer.
    pub fn from_list(mut list: Vec<Activation>) -> Self {
        match list.len() {
            1 => HiddenActivations::All(list.remove(0)),
            _ => HiddenActivations::PerLayer(list),
        }
    }

    /// The activation of hidden layer `i` (0-based). A list that is too short (which
    /// [`HiddenActivations::check`] rejects) repeats its last entry; an empty one gives
    /// the identity.
    pub fn layer(&self, i: usize) -> Activation {
        match self {
            HiddenActivations::All(a) => a.clone(),
            HiddenActivations::PerLayer(v) => v
                .get(i)
                .or(v.last())
                .cloned()
                .unwrap_or(Activation::Identity),
        }
    }

    /// Every activation is element-wise and a list has one per hidden layer (`layers`).
    pub fn check(&self, layers: usize) -> Result<(), String> {
        let list = match self {
            HiddenActivations::All(a) => std::slice::from_ref(a),
            HiddenActivations::PerLayer(v) => {
                if v.len() != layers {
                    let names: Vec<String> = v.iter().map(|a| format!("\"{a}\"")).collect();
                    return Err(format!(
                        "network.activation = [{}] has {} activations but network.hidden has \
                         {layers} layers: give one activation per hidden layer, or one for all",
                        names.join(", "),
                        v.len()
                    ));
                }
                v.as_slice()
            }
        };
        if let Some(bad) = list.iter().find(|a| !a.is_elementwise()) {
            return Err(format!(
                "network.activation = \"{bad}\": hidden layers need an element-wise activation \
                 (relu, leaky-relu(a), sigmoid, tanh, ...)"
            ));
        }
        Ok(())
    }
}

impl Default for HiddenActivations {
    fn default() -> Self {
        HiddenActivations::All(Activation::LeakyRelu(0.1))
    }
}

/// `tanh` or `tanh,relu,leaky-relu(0.1)`.
impl fmt::Display for HiddenActivations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HiddenActivations::All(a) => write!(f, "{a}"),
            HiddenActivations::PerLayer(v) => {
                let names: Vec<String> = v.iter().map(|a| a.to_string()).collect();
                f.write_str(&names.join(","))
            }
        }
    }
}

/// `tanh` (every layer) or `tanh,relu,leaky-relu(0.1)` (one per layer), as `--activation`
/// takes it.
impl FromStr for HiddenActivations {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let list = s
            .split(',')
            .map(str::parse)
            .collect::<Result<Vec<Activation>, String>>()?;
        Ok(Self::from_list(list))
    }
}

impl Serialize for HiddenActivations {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            HiddenActivations::All(a) => a.serialize(s),
            HiddenActivations::PerLayer(v) => v.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for HiddenActivations {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = HiddenActivations;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an activation, or a list of one per hidden layer")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Self::Value, E> {
                s.parse().map(HiddenActivations::All).map_err(E::custom)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut list = Vec::new();
                while let Some(a) = seq.next_element::<Activation>()? {
                    list.push(a);
                }
                if list.is_empty() {
                    return Err(A::Error::custom(
                        "an empty list: give one activation for all hidden layers, or one per layer",
                    ));
                }
                Ok(HiddenActivations::from_list(list))
            }
        }
        d.deserialize_any(V)
    }
}
