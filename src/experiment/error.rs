//! What can be wrong with an experiment.

/// An experiment file or an override could not be used. The message names the file, the
/// line where there is one, the key and the value at fault, and what would be valid.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}", self.render())]
pub struct ExperimentError {
    /// The file (or `<preset NAME>`, `<flags>`).
    pub origin: String,
    /// 1-based line, when the problem has one place in the file.
    pub line: Option<usize>,
    /// What is wrong and what would be valid.
    pub message: String,
}

impl ExperimentError {
    pub(crate) fn new(origin: &str, line: Option<usize>, message: impl Into<String>) -> Self {
        ExperimentError {
            origin: origin.to_string(),
            line,
            message: message.into(),
        }
    }

    fn render(&self) -> String {
        match self.line {
            Some(line) => format!("{}, line {line}: {}", self.origin, self.message),
            None => format!("{}: {}", self.origin, self.message),
        }
    }
}

/// A text and its name, to turn byte offsets into lines in messages.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Source<'a> {
    /// The TOML text.
    pub text: &'a str,
    /// The file (or `<preset NAME>`).
    pub origin: &'a str,
}

impl Source<'_> {
    /// 1-based line of byte `offset`.
    pub(crate) fn line_of(&self, offset: usize) -> usize {
        self.text.as_bytes()[..offset.min(self.text.len())]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1
    }

    /// An error at byte `offset`.
    pub(crate) fn error(&self, offset: usize, message: impl Into<String>) -> ExperimentError {
        ExperimentError::new(self.origin, Some(self.line_of(offset)), message)
    }

    /// An error with no one place in the text.
    pub(crate) fn general(&self, message: impl Into<String>) -> ExperimentError {
        ExperimentError::new(self.origin, None, message)
    }
}
