//! The front doors fuzzed: experiment TOML (arbitrary text, the presets with bytes mutated or
//! values replaced by random scalars), `--set PATH=VALUE` strings, and the safetensors
//! loader (arbitrary and mutated bytes). Each input is an `Ok` or an `Err`, never a panic.

use mlplab::experiment::{Assignment, Experiment, Overrides, PRESETS, SETTINGS};
use mlplab::nn::{activation::Activation, init::Init, network::*};
use mlplab::store::checkpoint;
use proptest::prelude::*;

/// Scalars a value may be replaced with: edge numbers, wrong types, odd strings.
const SCALARS: &[&str] = &[
    "0",
    "-1",
    "1",
    "2",
    "-0.0",
    "1e308",
    "-1e308",
    "1e-320",
    "nan",
    "inf",
    "-inf",
    "18446744073709551615",
    "18446744073709551616",
    "9223372036854775807",
    "-9223372036854775808",
    "4294967296",
    "100000000000",
    "true",
    "false",
    "\"\"",
    "\"../..\"",
    "\"/abs\"",
    "\"sgd\"",
    "\"softmax\"",
    "\"sigmoid\"",
    "\"leaky-relu(nan)\"",
    "\"uniform(1,-1)\"",
    "\"csv:\"",
    "[]",
    "[[]]",
    "[0]",
    "[1e20]",
    "[\"relu\"]",
    "{}",
    "{ kind = \"per-class\", k = 0 }",
    "{ kind = \"full\", cv_size = 18446744073709551615 }",
    "{ sgd = -1 }",
    "1979-05-27",
    "'x'",
    "\"\\u0000\"",
];

fn check_toml(text: &str) {
    // Ok or Err; a panic fails the property.
    let _ = Experiment::from_toml(text, "fuzz.toml");
}

/// The preset texts, to mutate.
fn preset_text() -> impl Strategy<Value = &'static str> {
    prop::sample::select(PRESETS.iter().map(|p| p.text).collect::<Vec<_>>())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,200}") {
        check_toml(&text);
    }

    #[test]
    fn toml_shaped_text_never_panics(
        section in prop::sample::select(vec!["data", "network", "train", "optimizer", "regularization", "run", "x"]),
        key in "[a-z_]{1,12}",
        value in prop::sample::select(SCALARS.to_vec()),
        name in "\\PC{0,20}",
    ) {
        check_toml(&format!("name = {name:?}\n[{section}]\n{key} = {value}\n"));
        check_toml(&format!("[[run]]\n{section}.{key} = {value}\n"));
    }

    #[test]
    fn presets_with_mutated_bytes_never_panic(
        text in preset_text(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
    ) {
        let mut bytes = text.as_bytes().to_vec();
        for (at, b) in edits {
            let i = at.index(bytes.len());
            bytes[i] = b;
        }
        check_toml(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn presets_with_a_value_replaced_never_panic(
        text in preset_text(),
        at in any::<prop::sample::Index>(),
        value in prop::sample::select(SCALARS.to_vec()),
    ) {
        let lines: Vec<&str> = text.lines().collect();
        let assignments: Vec<usize> = (0..lines.len()).filter(|&i| lines[i].contains(" = ")).collect();
        prop_assume!(!assignments.is_empty());
        let target = assignments[at.index(assignments.len())];
        let edited: Vec<String> = lines
            .iter()
            .enumerate()
            .map(|(i, l)| match l.split_once(" = ") {
                Some((k, _)) if i == target => format!("{k} = {value}"),
                _ => l.to_string(),
            })
            .collect();
        check_toml(&edited.join("\n"));
    }

    #[test]
    fn arbitrary_set_strings_never_panic(text in "\\PC{0,60}") {
        if let Ok(a) = text.parse::<Assignment>() {
            let mut o = Overrides::default();
            o.push(a);
            let _ = Experiment::single(&o);
        }
    }

    #[test]
    fn every_setting_with_a_random_value_never_panics(
        setting in prop::sample::select(SETTINGS.iter().map(|s| s.path).collect::<Vec<_>>()),
        value in prop_oneof![prop::sample::select(SCALARS.to_vec()).prop_map(String::from), "\\PC{0,20}"],
    ) {
        if let Ok(a) = format!("{setting}={value}").parse::<Assignment>() {
            let mut o = Overrides::default();
            o.push(a);
            let _ = Experiment::single(&o);
        }
    }
}

fn arch() -> Architecture {
    Architecture::mlp(3, &[2], Activation::Relu, 2, Activation::Softmax)
}

fn valid_checkpoint() -> Vec<u8> {
    let net = Network::<f32>::new(arch(), Init::HeUniform, 1).unwrap();
    let path = std::env::temp_dir().join(format!("mlplab-fuzz-valid-{}.st", std::process::id()));
    checkpoint::save(&path, &net, &[]).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    std::fs::remove_file(&path).ok();
    bytes
}

/// Loads `bytes` as a checkpoint of `arch()`: an error, or a network whose parameters are
/// all finite.
fn load(bytes: &[u8], tag: &str) -> Result<(), TestCaseError> {
    let path = std::env::temp_dir().join(format!(
        "mlplab-fuzz-{tag}-{}-{:?}.st",
        std::process::id(),
        std::thread::current().id()
    ));
    std::fs::write(&path, bytes).unwrap();
    let result = checkpoint::load(&path, &arch());
    std::fs::remove_file(&path).ok();
    if let Ok(net) = result {
        prop_assert!(net.params().iter().all(|v| v.is_finite()));
        prop_assert_eq!(net.params().len(), arch().parameter_count());
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn arbitrary_bytes_load_or_fail(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        load(&bytes, "any")?;
    }

    #[test]
    fn a_huge_header_length_is_an_error(len in any::<u64>(), tail in prop::collection::vec(any::<u8>(), 0..64)) {
        let mut bytes = len.to_le_bytes().to_vec();
        bytes.extend(tail);
        load(&bytes, "header")?;
    }

    #[test]
    fn mutated_checkpoints_load_or_fail(
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
        cut in prop::option::of(any::<prop::sample::Index>()),
    ) {
        let mut bytes = valid_checkpoint();
        for (at, b) in edits {
            let i = at.index(bytes.len());
            bytes[i] = b;
        }
        if let Some(c) = cut {
            let keep = c.index(bytes.len());
            bytes.truncate(keep);
        }
        load(&bytes, "mutated")?;
    }
}
