//! SQLite's journal mode for a database being written: WAL on a local disk, the rollback
//! journal (`DELETE`) on a network filesystem.
//!
//! WAL keeps readers and the writer out of each other's way, but it needs a shared-memory
//! index (`-shm`, memory-mapped) that every process must see coherently; SQLite documents
//! that WAL does not work over a network filesystem (NFS, SMB, Lustre, …), which is exactly
//! where a cluster's shared study directory lives. The rollback journal relies on file
//! locks only.
//!
//! `MLPLAB_JOURNAL` chooses: `auto` (the default: `delete` when the database's directory is
//! on a network filesystem, as `/proc/self/mounts` names it, else `wal`), `wal` or `delete`.

use std::path::Path;
use std::str::FromStr;

use super::error::{Result, StoreError};

/// The environment variable that sets the journal mode.
pub const JOURNAL_ENV: &str = "MLPLAB_JOURNAL";

/// How a writer journals its transactions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Journal {
    /// `Delete` on a network filesystem, else `Wal`.
    #[default]
    Auto,
    /// Write-ahead log (`-wal`, `-shm` beside the database): local disks only.
    Wal,
    /// Rollback journal (`-journal`, deleted after each transaction): safe on network
    /// filesystems with working POSIX locks.
    Delete,
}

impl FromStr for Journal {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Journal, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "" | "auto" => Ok(Journal::Auto),
            "wal" => Ok(Journal::Wal),
            "delete" | "rollback" => Ok(Journal::Delete),
            other => Err(format!(
                "{JOURNAL_ENV}={other:?}: the journal mode is auto, wal or delete (the rollback \
                 journal, for network filesystems)"
            )),
        }
    }
}

/// Filesystem types (as `/proc/self/mounts` names them) on which WAL is unsafe.
const NETWORK_FILESYSTEMS: [&str; 14] = [
    "nfs",
    "nfs4",
    "cifs",
    "smb3",
    "smbfs",
    "lustre",
    "gpfs",
    "beegfs",
    "ceph",
    "fuse.ceph",
    "glusterfs",
    "fuse.glusterfs",
    "9p",
    "fuse.sshfs",
];

/// The filesystem type of the mount holding `path` (already absolute), from the text of
/// `/proc/self/mounts`: the entry with the longest mount point that is a prefix of it.
pub(crate) fn filesystem_of(path: &Path, mounts: &str) -> Option<String> {
    mounts
        .lines()
        .filter_map(|l| {
            let mut f = l.split_whitespace();
            let (_dev, point, kind) = (f.next()?, f.next()?, f.next()?);
            // Spaces in mount points are written \040.
            let point = point.replace("\\040", " ");
            path.starts_with(&point)
                .then(|| (point.len(), kind.to_string()))
        })
        .max_by_key(|(len, _)| *len)
        .map(|(_, kind)| kind)
}

impl Journal {
    /// The mode `MLPLAB_JOURNAL` asks for; an unknown value is an error naming the valid ones.
    pub fn from_env() -> Result<Journal> {
        std::env::var(JOURNAL_ENV)
            .unwrap_or_default()
            .parse()
            .map_err(StoreError::Config)
    }

    /// `Wal` or `Delete` for a database at `db`: `Auto` looks at the filesystem of its folder.
    pub fn resolve(self, db: &Path) -> Journal {
        match self {
            Journal::Auto => {
                let dir = db.parent().filter(|p| !p.as_os_str().is_empty());
                let abs = std::fs::canonicalize(dir.unwrap_or(Path::new(".")));
                let mounts = std::fs::read_to_string("/proc/self/mounts").unwrap_or_default();
                match abs.ok().and_then(|a| filesystem_of(&a, &mounts)) {
                    Some(fs) if NETWORK_FILESYSTEMS.contains(&fs.as_str()) => Journal::Delete,
                    _ => Journal::Wal,
                }
            }
            mode => mode,
        }
    }

    /// The `PRAGMA journal_mode` value.
    pub fn pragma(self) -> &'static str {
        match self {
            Journal::Delete => "DELETE",
            Journal::Wal | Journal::Auto => "WAL",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MOUNTS: &str = "overlay / overlay rw 0 0\n\
        server:/export /studies nfs4 rw,vers=4.2 0 0\n\
        /dev/sda1 /studies/local ext4 rw 0 0\n\
        /dev/sdb1 /mnt/my\\040disk xfs rw 0 0\n";

    #[test]
    fn the_longest_mount_point_names_the_filesystem() {
        let fs = |p: &str| filesystem_of(Path::new(p), MOUNTS);
        assert_eq!(fs("/studies/paper-mnist").as_deref(), Some("nfs4"));
        assert_eq!(fs("/studies/local/x").as_deref(), Some("ext4"));
        assert_eq!(fs("/studiesx").as_deref(), Some("overlay"));
        assert_eq!(fs("/mnt/my disk/s").as_deref(), Some("xfs"));
        assert_eq!(filesystem_of(Path::new("/x"), ""), None);
    }

    #[test]
    fn modes_parse_and_name_the_valid_ones() {
        assert_eq!("".parse::<Journal>().unwrap(), Journal::Auto);
        assert_eq!("WAL".parse::<Journal>().unwrap(), Journal::Wal);
        assert_eq!("rollback".parse::<Journal>().unwrap(), Journal::Delete);
        let e = "truncate".parse::<Journal>().unwrap_err();
        assert!(
            e.contains("MLPLAB_JOURNAL") && e.contains("auto, wal or delete"),
            "{e}"
        );
        assert_eq!(
            Journal::Delete.resolve(Path::new("/x/y.db")),
            Journal::Delete
        );
        // The temp dir is local here; a resolved Auto is never Auto.
        let local = Journal::Auto.resolve(&std::env::temp_dir().join("x.db"));
        assert_ne!(local, Journal::Auto);
    }
}
