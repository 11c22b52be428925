//! [`locate`]: where a dataset would be read from, reading and downloading nothing.

use super::names::{Name, parse_name};
use super::{Candidate, DataError, LoadOptions, Located, Source, Status, source};

/// Where dataset `name` would be loaded from (reading and downloading nothing), with the
/// status of every source in the order tried. For user files it checks the paths exist;
/// for synthetic sets it says `generated`. For a known dataset, an explicit data dir
/// ([`LoadOptions::data_dir`] or `MLPLAB_DATA`) that does not exist is an error.
///
/// ```
/// let l = mlplab::data::locate("cifar10-jpeg", &mlplab::data::LoadOptions { data_dir: Some(std::env::temp_dir()), ..Default::default() })?;
/// assert!(l.candidates.len() >= 4);
/// let typo = mlplab::data::LoadOptions { data_dir: Some("/no/such/dir".into()), ..Default::default() };
/// assert!(mlplab::data::locate("mnist", &typo).unwrap_err().to_string().contains("/no/such/dir"));
/// # Ok::<(), mlplab::data::DataError>(())
/// ```
pub fn locate(name: &str, opts: &LoadOptions) -> Result<Located, DataError> {
    let single = |source: Source, status: Status| Located {
        name: name.to_string(),
        candidates: vec![Candidate { source, status }],
        hint: String::new(),
    };
    match parse_name(name)? {
        Name::Known(k) => {
            source::check_data_dir(opts)?;
            Ok(source::locate_known(k, opts))
        }
        Name::Synthetic(..) => Ok(single(Source::Generated, Status::Present)),
        Name::User { paths, .. } => {
            let missing: Vec<String> = paths
                .iter()
                .filter(|p| !p.exists())
                .map(|p| p.display().to_string())
                .collect();
            let status = if missing.is_empty() {
                Status::Present
            } else {
                Status::Absent(format!("no such file or folder: {}", missing.join(", ")))
            };
            Ok(single(Source::Path(paths[0].clone()), status))
        }
    }
}
