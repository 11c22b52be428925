//! `deploy/slurm.sbatch`: the shard count is fixed by the study, so resubmitting one array
//! task (`sbatch --array=2`) resumes shard 2 of 4, not the whole grid. First the script body
//! run by bash outside Slurm (a stand-in `srun` on PATH), then under a real one-node Slurm
//! cluster started on localhost (slurmctld, slurmd, munged) when those are installed.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use mlplab::store::StudyReader;

mod common;
use common::cli::{BIN, mlplab, ok, text};
use common::in_ci;

/// 8 runs of 2 epochs on 240 synthetic points: seconds per run.
const GRID: &str = r#"
name = "tiny"
[data]
dataset = "blobs:n=240,test=0,features=5,classes=3,seed=4"
split = { kind = "full", cv_size = 80 }
[network]
hidden = [6, 6]
init = ["he", "glorot"]
[train]
loss = "cce"
batch_size = 16
epochs = 2
[optimizer]
kind = ["sgd", "momentum", "rmsprop", "adam"]
lr = { sgd = 0.2, momentum = 0.2, rmsprop = 0.003, adam = 0.003 }
"#;

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/slurm.sbatch")
}

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("mlplab-slurm-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Every run's key, status and every recorded epoch number, as bits.
fn fingerprint(db: &Path) -> Vec<(String, String, Vec<u64>)> {
    let s = StudyReader::open(db).unwrap();
    let bits = |v: Option<f64>| v.unwrap_or(f64::NAN).to_bits();
    let mut runs: Vec<_> = s
        .runs()
        .unwrap()
        .into_iter()
        .map(|r| {
            let mut out = Vec::new();
            for e in s.epochs(r.id).unwrap() {
                out.extend([e.epoch as u64, e.step as u64]);
                out.extend([e.train_cost, e.cv_cost, e.train_acc, e.cv_acc].map(bits));
            }
            (r.config_json, r.status.to_string(), out)
        })
        .collect();
    runs.sort();
    runs
}

/// Deletes the last run the shard at `db` ran (the highest id not pending: a shard's database
/// plans the whole grid, so the other shards' runs are in it, pending).
fn delete_last_run(db: &Path) {
    let c = rusqlite::Connection::open(db).unwrap();
    c.execute_batch(
        "PRAGMA foreign_keys = ON; DELETE FROM runs WHERE id = \
         (SELECT max(id) FROM runs WHERE status != 'pending');",
    )
    .unwrap();
}

/// (runs recorded, runs done) in the database at `db`.
fn status_counts(db: &Path) -> (i64, i64) {
    let s = StudyReader::open(db).unwrap();
    let runs = s.runs().unwrap();
    let done = runs
        .iter()
        .filter(|r| r.status == mlplab::store::Status::Done)
        .count();
    (runs.len() as i64, done as i64)
}

/// The serial sweep of `file` into `out`.
fn serial(file: &Path, out: &Path) {
    ok(mlplab(&[
        "sweep",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--jobs",
        "1",
        "-q",
    ])
    .output()
    .unwrap());
}

/// The script body as array task `id` of a submission with `count` tasks starting at `min`,
/// run by bash with a stand-in `srun` that runs its command.
fn task(d: &Path, file: &Path, study: &Path, id: usize, min: usize, count: usize) -> Output {
    let bin = d.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let srun = bin.join("srun");
    // srun OPTIONS... COMMAND...: drop the options.
    std::fs::write(
        &srun,
        "#!/bin/sh\nwhile [ \"${1#--}\" != \"$1\" ]; do shift; done\nexec \"$@\"\n",
    )
    .unwrap();
    Command::new("chmod").arg("+x").arg(&srun).status().unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    Command::new("bash")
        .arg(script())
        .env("PATH", path)
        .env("MLPLAB", BIN)
        .env("EXPERIMENT", file)
        .env("STUDY", study)
        .env("SLURM_ARRAY_TASK_ID", id.to_string())
        .env("SLURM_ARRAY_TASK_MIN", min.to_string())
        .env("SLURM_ARRAY_TASK_COUNT", count.to_string())
        .env("SLURM_CPUS_PER_TASK", "1")
        .env_remove("MLPLAB_SHARD_COUNT")
        .env_remove("MLPLAB_SHARD_INDEX")
        .env_remove("JOB_COMPLETION_INDEX")
        .output()
        .unwrap()
}

#[test]
fn a_resubmitted_task_resumes_its_shard_of_four() {
    let d = dir("script");
    let file = d.join("tiny.toml");
    std::fs::write(&file, GRID).unwrap();
    let study = d.join("study");
    for i in 0..4 {
        ok(task(&d, &file, &study, i, 0, 4));
    }
    assert_eq!(
        std::fs::read_to_string(study.join("mlplab.shards")).unwrap(),
        "4\n"
    );
    let shard = |i: usize| study.join(format!("mlplab.shard-{i}-of-4.db"));
    let before: Vec<_> = (0..4).map(|i| fingerprint(&shard(i))).collect();
    for i in 0..4 {
        assert_eq!(
            status_counts(&shard(i)),
            (8, 2),
            "shard {i}: 8 planned, 2 done"
        );
    }
    delete_last_run(&shard(2));
    assert_eq!(status_counts(&shard(2)), (7, 1));

    // `sbatch --array=2`: task id 2, min 2, count 1.
    let again = ok(task(&d, &file, &study, 2, 2, 1));
    assert!(again.contains("shard 2/4"), "{again}");
    assert!(again.contains("1 already finished; ran 1"), "{again}");
    assert_eq!(status_counts(&shard(2)), (8, 2));
    assert_eq!(fingerprint(&shard(2)), before[2]);
    for i in [0, 1, 3] {
        assert_eq!(fingerprint(&shard(i)), before[i], "shard {i} changed");
    }
    let files: Vec<String> = std::fs::read_dir(&study)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".db"))
        .collect();
    assert_eq!(
        files.len(),
        4,
        "no database besides the 4 shards: {files:?}"
    );

    // A count that contradicts the study's record is refused, naming it.
    let out = Command::new("bash")
        .arg(script())
        .env("MLPLAB", BIN)
        .env("EXPERIMENT", &file)
        .env("STUDY", &study)
        .env("SLURM_ARRAY_TASK_ID", "1")
        .env("MLPLAB_SHARD_COUNT", "2")
        .env(
            "PATH",
            format!(
                "{}:{}",
                d.join("bin").display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        )
        .output()
        .unwrap();
    assert!(!out.status.success());
    let t = text(&out);
    assert!(
        t.contains("sharded into 4") && t.contains("mlplab.shards"),
        "{t}"
    );

    // A study's first submission that is one task of a larger array cannot know the count:
    // refused, not run as the whole grid.
    let fresh = d.join("fresh");
    let out = task(&d, &file, &fresh, 2, 2, 1);
    assert!(!out.status.success());
    let t = text(&out);
    assert!(
        t.contains("task 2 is not a shard of 1") && t.contains("MLPLAB_SHARD_COUNT"),
        "{t}"
    );
    assert!(!fresh.join("mlplab.db").exists());

    // Merged, the shards equal the serial sweep.
    ok(
        mlplab(&["merge", study.to_str().unwrap(), study.to_str().unwrap()])
            .output()
            .unwrap(),
    );
    let s = d.join("serial");
    serial(&file, &s);
    assert_eq!(
        fingerprint(&study.join("mlplab.db")),
        fingerprint(&s.join("mlplab.db"))
    );
    std::fs::remove_dir_all(&d).unwrap();
}

/// A one-node Slurm cluster on localhost: munged, slurmctld and slurmd with a generated
/// `slurm.conf` in a temp folder, on free ports. Shut down when dropped.
struct Cluster {
    dir: PathBuf,
    conf: PathBuf,
    socket: PathBuf,
}

/// Why a real cluster cannot be started here, if it cannot: a missing daemon, or not root.
fn slurm_missing() -> Option<String> {
    let missing: Vec<&str> = [
        "munged",
        "slurmctld",
        "slurmd",
        "sbatch",
        "squeue",
        "scontrol",
    ]
    .into_iter()
    .filter(|b| {
        !Command::new("sh")
            .args(["-c", &format!("command -v {b} || test -x /usr/sbin/{b}")])
            .output()
            .is_ok_and(|o| o.status.success())
    })
    .collect();
    if !missing.is_empty() {
        return Some(format!(
            "no {} (Debian packages slurm-wlm and munge)",
            missing.join(", ")
        ));
    }
    let uid = Command::new("id").arg("-u").output().ok()?;
    (String::from_utf8_lossy(&uid.stdout).trim() != "0")
        .then(|| "slurmd must run as root to launch jobs, and this test is not root".into())
}

fn daemon(name: &str) -> Command {
    let sbin = Path::new("/usr/sbin").join(name);
    Command::new(if sbin.is_file() {
        sbin
    } else {
        PathBuf::from(name)
    })
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Cluster {
    fn start(dir: &Path) -> Cluster {
        let d = dir.join("slurm");
        for sub in ["munge", "state", "spool", "log"] {
            std::fs::create_dir_all(d.join(sub)).unwrap();
        }
        let chmod = |mode: &str, p: &Path| {
            assert!(
                Command::new("chmod")
                    .arg(mode)
                    .arg(p)
                    .status()
                    .unwrap()
                    .success()
            );
        };
        chmod("700", &d.join("munge"));
        let key = d.join("munge/munge.key");
        let mut random = vec![0u8; 1024];
        std::io::Read::read_exact(
            &mut std::fs::File::open("/dev/urandom").unwrap(),
            &mut random,
        )
        .unwrap();
        std::fs::write(&key, random).unwrap();
        chmod("600", &key);
        let socket = d.join("munge/munge.sock");
        let p = |s: &str| d.join(s).display().to_string();
        let cpus = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
        let conf = d.join("slurm.conf");
        std::fs::write(
            &conf,
            format!(
                "ClusterName=mlplabtest\n\
                 SlurmctldHost=localhost\n\
                 SlurmctldPort={ctld}\n\
                 SlurmdPort={slurmd}\n\
                 SlurmUser=root\n\
                 SlurmdUser=root\n\
                 AuthType=auth/munge\n\
                 CredType=cred/munge\n\
                 AuthInfo=socket={socket}\n\
                 StateSaveLocation={state}\n\
                 SlurmdSpoolDir={spool}\n\
                 SlurmctldPidFile={ctld_pid}\n\
                 SlurmdPidFile={slurmd_pid}\n\
                 SlurmctldLogFile={ctld_log}\n\
                 SlurmdLogFile={slurmd_log}\n\
                 ProctrackType=proctrack/linuxproc\n\
                 TaskPlugin=task/none\n\
                 JobAcctGatherType=jobacct_gather/none\n\
                 AccountingStorageType=accounting_storage/none\n\
                 SelectType=select/cons_tres\n\
                 SelectTypeParameters=CR_CPU\n\
                 MpiDefault=none\n\
                 ReturnToService=2\n\
                 MinJobAge=3600\n\
                 NodeName=localhost NodeAddr=127.0.0.1 CPUs={cpus} RealMemory=1000 State=UNKNOWN\n\
                 PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP\n",
                ctld = free_port(),
                slurmd = free_port(),
                socket = socket.display(),
                state = p("state"),
                spool = p("spool"),
                ctld_pid = p("slurmctld.pid"),
                slurmd_pid = p("slurmd.pid"),
                ctld_log = p("log/slurmctld.log"),
                slurmd_log = p("log/slurmd.log"),
            ),
        )
        .unwrap();
        let cluster = Cluster {
            dir: d.clone(),
            conf,
            socket,
        };
        // From here on, dropping `cluster` (a failed assertion too) stops what has started.
        let munged = daemon("munged")
            .arg("--force")
            .arg(format!("--socket={}", cluster.socket.display()))
            .arg(format!("--key-file={}", key.display()))
            .arg(format!("--log-file={}", p("log/munged.log")))
            .arg(format!("--pid-file={}", p("munge/munged.pid")))
            .arg(format!("--seed-file={}", p("munge/munged.seed")))
            .output()
            .unwrap();
        assert!(munged.status.success(), "munged: {}", text(&munged));
        let ctld = daemon("slurmctld")
            .args(["-i", "-f"])
            .arg(&cluster.conf)
            .output()
            .unwrap();
        assert!(ctld.status.success(), "slurmctld: {}", text(&ctld));
        let slurmd = daemon("slurmd")
            .args(["-N", "localhost", "-f"])
            .arg(&cluster.conf)
            .output()
            .unwrap();
        assert!(slurmd.status.success(), "slurmd: {}", text(&slurmd));
        let start = std::time::Instant::now();
        loop {
            let state = cluster.client("sinfo").args(["-h", "-o", "%t"]).output();
            if state.is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "idle") {
                return cluster;
            }
            assert!(
                start.elapsed().as_secs() < 60,
                "the node did not come up idle in 60 s; logs in {}:\n{}",
                d.display(),
                cluster.logs()
            );
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
    }

    /// A Slurm client command talking to this cluster.
    fn client(&self, name: &str) -> Command {
        let mut c = Command::new(name);
        c.env("SLURM_CONF", &self.conf);
        c
    }

    fn logs(&self) -> String {
        ["log/slurmctld.log", "log/slurmd.log", "log/munged.log"]
            .iter()
            .map(|l| {
                let t = std::fs::read_to_string(self.dir.join(l)).unwrap_or_default();
                let tail: Vec<&str> = t.lines().rev().take(15).collect();
                format!(
                    "== {l}\n{}\n",
                    tail.into_iter().rev().collect::<Vec<_>>().join("\n")
                )
            })
            .collect()
    }

    /// `sbatch --parsable ARGS` with `env`; the job id.
    fn sbatch(&self, args: &[&str], env: &[(&str, &Path)]) -> String {
        let mut c = self.client("sbatch");
        c.arg("--parsable").args(args);
        for (k, v) in env {
            c.env(k, v);
        }
        c.env_remove("MLPLAB_SHARD_COUNT");
        let out = ok(c.output().unwrap());
        out.trim().split(';').next().unwrap_or_default().to_string()
    }

    /// Waits until job `id` (every task of an array) has left the queue, then returns the
    /// state and exit code of each of its tasks as `scontrol` shows them.
    fn wait(&self, id: &str) -> Vec<String> {
        let start = std::time::Instant::now();
        loop {
            let q = ok(self
                .client("squeue")
                .args(["-h", "-j", id])
                .output()
                .unwrap());
            if q.trim().is_empty() {
                break;
            }
            assert!(
                start.elapsed().as_secs() < 600,
                "job {id} still queued after 10 minutes:\n{q}\n{}",
                self.logs()
            );
            std::thread::sleep(std::time::Duration::from_millis(500));
        }
        let show = ok(self
            .client("scontrol")
            .args(["show", "job", "-o", id])
            .output()
            .unwrap());
        show.lines()
            .map(|l| {
                l.split_whitespace()
                    .filter(|f| f.starts_with("JobState=") || f.starts_with("ExitCode="))
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect()
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self.client("scontrol").arg("shutdown").output();
        let _ = daemon("munged")
            .arg("--stop")
            .arg(format!("--socket={}", self.socket.display()))
            .output();
    }
}

#[test]
fn a_four_task_array_under_real_slurm_merges_to_the_serial_sweep_and_resumes_one_shard() {
    if let Some(why) = slurm_missing() {
        assert!(
            !in_ci(),
            "CI is set, so the real-Slurm test may not skip: {why}"
        );
        eprintln!("skipped: real-Slurm test: {why}");
        return;
    }
    let d = dir("real");
    let file = d.join("tiny.toml");
    std::fs::write(&file, GRID).unwrap();
    let study = d.join("study");
    let cluster = Cluster::start(&d);
    let bin = Path::new(BIN);
    let env = [
        ("MLPLAB", bin),
        ("EXPERIMENT", file.as_path()),
        ("STUDY", study.as_path()),
    ];
    let output = format!("--output={}/task-%A_%a.out", d.display());
    let chdir = format!("--chdir={}", d.display());
    // The script asks for 4 cores and 8G per task; this node has fewer.
    let small = ["--cpus-per-task=1", "--mem=100M", &output, &chdir];
    let script = script();
    let script = script.to_str().unwrap();
    let mut args = small.to_vec();
    args.extend(["--array=0-3", script]);
    let array = cluster.sbatch(&args, &env);
    // The merge + report step of the script's header, after the array.
    let merge_cmd = format!(
        "{BIN} merge {s} {s} && {BIN} report {s}",
        s = study.display()
    );
    let dependency = format!("--dependency=afterok:{array}");
    let mut args = small.to_vec();
    args.extend([dependency.as_str(), "--wrap", merge_cmd.as_str()]);
    let merge = cluster.sbatch(&args, &env);
    let states = cluster.wait(&array);
    assert_eq!(states.len(), 4, "{states:?}");
    assert!(
        states
            .iter()
            .all(|s| s == "JobState=COMPLETED ExitCode=0:0"),
        "{states:?}\n{}",
        cluster.logs()
    );
    let states = cluster.wait(&merge);
    assert_eq!(
        states,
        ["JobState=COMPLETED ExitCode=0:0"],
        "{}",
        cluster.logs()
    );
    assert!(study.join("report.html").is_file());
    let s = d.join("serial");
    serial(&file, &s);
    assert_eq!(
        fingerprint(&study.join("mlplab.db")),
        fingerprint(&s.join("mlplab.db")),
        "the merged shards differ from the serial sweep"
    );

    // Shard 2 loses its last run; `sbatch --array=2` resumes it alone.
    let shard = |i: usize| study.join(format!("mlplab.shard-{i}-of-4.db"));
    let before: Vec<_> = (0..4).map(|i| fingerprint(&shard(i))).collect();
    delete_last_run(&shard(2));
    assert_eq!(status_counts(&shard(2)), (7, 1));
    let mut args = small.to_vec();
    args.extend(["--array=2", script]);
    let again = cluster.sbatch(&args, &env);
    assert_eq!(cluster.wait(&again), ["JobState=COMPLETED ExitCode=0:0"]);
    let log = std::fs::read_to_string(d.join(format!("task-{again}_2.out"))).unwrap();
    assert!(log.contains("shard 2/4"), "{log}");
    assert!(log.contains("1 already finished; ran 1"), "{log}");
    for (i, b) in before.iter().enumerate() {
        assert_eq!(&fingerprint(&shard(i)), b, "shard {i}");
    }
    assert!(!study.join("mlplab.shard-0-of-1.db").exists());
    drop(cluster);
    std::fs::remove_dir_all(&d).unwrap();
}
