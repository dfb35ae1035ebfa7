//! Child processes of the lab: each in its own process group, optionally
//! inside a network namespace (`ip netns exec NS …`), with its output in a
//! log file; all of them stopped (the whole group: SIGTERM, then SIGKILL
//! after a grace period) when the [`Supervisor`] is dropped.

use std::ffi::OsString;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};

/// How a child's standard error is handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stderr {
    /// Into the log file, with standard output.
    Log,
    /// Into the log file, standard error to the lab's own (live progress).
    Inherit,
}

/// One child process.
#[derive(Debug)]
pub struct Proc {
    /// Short name (`dns`, `client1`, …) used in messages.
    pub name: String,
    /// Its log file (standard output, and standard error unless inherited).
    pub log: PathBuf,
    child: Child,
    status: Option<ExitStatus>,
}

impl Proc {
    /// The child's pid (also its process-group id).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Its exit status, if it has ended (reaps it).
    pub fn try_wait(&mut self) -> anyhow::Result<Option<ExitStatus>> {
        if self.status.is_none() {
            self.status = self
                .child
                .try_wait()
                .with_context(|| format!("waiting for {}", self.name))?;
        }
        Ok(self.status)
    }

    /// Sends `sig` to the child's whole process group.
    pub fn signal_group(&self, sig: i32) {
        if self.status.is_some() {
            return;
        }
        let pgid = self.child.id() as libc::pid_t;
        // SAFETY: kill(2) with the negative pid of a process group this
        // supervisor created (the child is its leader and not yet reaped,
        // so the id cannot have been reused).
        unsafe {
            libc::kill(-pgid, sig);
        }
    }

    /// Signals the group and waits up to `grace` for the child to end;
    /// then SIGKILLs the group and reaps it.
    pub fn stop(&mut self, sig: i32, grace: Duration) -> anyhow::Result<ExitStatus> {
        if let Some(s) = self.try_wait()? {
            // The leader is gone; sweep anything it left in its group.
            kill_group(self.child.id(), libc::SIGKILL);
            return Ok(s);
        }
        self.signal_group(sig);
        let end = Instant::now() + grace;
        while Instant::now() < end {
            if let Some(s) = self.try_wait()? {
                kill_group(self.child.id(), libc::SIGKILL);
                return Ok(s);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        self.signal_group(libc::SIGKILL);
        let s = self
            .child
            .wait()
            .with_context(|| format!("waiting for {}", self.name))?;
        self.status = Some(s);
        Ok(s)
    }

    /// The last `max` bytes of its log, for error messages.
    pub fn log_tail(&self, max: u64) -> String {
        log_tail(&self.log, max)
    }
}

/// SIGKILLs a process group that may already be empty.
fn kill_group(pgid: u32, sig: i32) {
    // SAFETY: kill(2) on the group of a child we started; ESRCH when the
    // group is empty is harmless.
    unsafe {
        libc::kill(-(pgid as libc::pid_t), sig);
    }
}

/// The last `max` bytes of a file, lossily as text.
pub fn log_tail(path: &Path, max: u64) -> String {
    let Ok(mut f) = File::open(path) else {
        return String::new();
    };
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    let _ = f.seek(SeekFrom::Start(len.saturating_sub(max)));
    let mut v = Vec::new();
    let _ = f.take(max).read_to_end(&mut v);
    String::from_utf8_lossy(&v).trim_end().to_string()
}

/// Describes how a process ended.
pub fn describe(s: ExitStatus) -> String {
    match (s.code(), s.signal()) {
        (Some(c), _) => format!("exit code {c}"),
        (None, Some(sig)) => format!("signal {sig}"),
        _ => s.to_string(),
    }
}

/// Environment variable every child gets, holding the lab's id: what
/// tests (and people) look for to tell whether anything of a lab survived.
pub const LAB_ENV: &str = "WIRELAB_LAB";

/// Starts and owns the lab's child processes.
#[derive(Debug)]
pub struct Supervisor {
    exe: PathBuf,
    tag: String,
    procs: Vec<Proc>,
}

impl Supervisor {
    /// A supervisor that runs `exe` (normally the current executable),
    /// its children tagged with [`LAB_ENV`]`=tag`.
    pub fn new(exe: PathBuf, tag: &str) -> Self {
        Supervisor {
            exe,
            tag: tag.to_string(),
            procs: Vec::new(),
        }
    }

    /// The program children run.
    pub fn exe(&self) -> &Path {
        &self.exe
    }

    /// Starts `exe args…` in namespace `ns` (or the lab's own when `None`)
    /// in a new process group, output to `log`. Returns its index.
    pub fn spawn(
        &mut self,
        name: &str,
        ns: Option<&str>,
        args: &[OsString],
        log: &Path,
        stderr: Stderr,
    ) -> anyhow::Result<usize> {
        let mut cmd = match ns {
            Some(ns) => {
                let mut c = Command::new("ip");
                c.arg("netns").arg("exec").arg(ns).arg(&self.exe);
                c
            }
            None => Command::new(&self.exe),
        };
        cmd.args(args).env(LAB_ENV, &self.tag);
        let out = File::create(log).with_context(|| format!("creating {}", log.display()))?;
        let err = match stderr {
            Stderr::Log => Stdio::from(out.try_clone()?),
            Stderr::Inherit => Stdio::inherit(),
        };
        cmd.stdin(Stdio::null()).stdout(out).stderr(err);
        cmd.process_group(0);
        // SAFETY: prctl(2) is async-signal-safe; it only asks the kernel to
        // send SIGTERM to the child when the lab dies (even by SIGKILL), so
        // no service outlives a crashed lab.
        unsafe {
            cmd.pre_exec(|| {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = cmd
            .spawn()
            .with_context(|| format!("starting {name} ({cmd:?})"))?;
        self.procs.push(Proc {
            name: name.to_string(),
            log: log.to_path_buf(),
            child,
            status: None,
        });
        Ok(self.procs.len() - 1)
    }

    /// The process at `i`.
    pub fn get(&mut self, i: usize) -> &mut Proc {
        &mut self.procs[i]
    }

    /// Fails, naming the process and quoting its log, if any child has
    /// ended although it should still run (`except`: indices allowed to end).
    pub fn check_running(&mut self, except: &[usize]) -> anyhow::Result<()> {
        for (i, p) in self.procs.iter_mut().enumerate() {
            if except.contains(&i) {
                continue;
            }
            if let Some(s) = p.try_wait()? {
                bail!(
                    "{} stopped unexpectedly ({}); its log {}:\n{}",
                    p.name,
                    describe(s),
                    p.log.display(),
                    p.log_tail(2000)
                );
            }
        }
        Ok(())
    }

    /// Stops every child still running (SIGTERM to each group, then
    /// SIGKILL after `grace`), newest first.
    pub fn stop_all(&mut self, grace: Duration) {
        for p in self.procs.iter_mut().rev() {
            if p.status.is_none() {
                p.signal_group(libc::SIGTERM);
            }
        }
        let end = Instant::now() + grace;
        for p in self.procs.iter_mut().rev() {
            loop {
                match p.try_wait() {
                    Ok(Some(_)) | Err(_) => break,
                    Ok(None) if Instant::now() >= end => {
                        p.signal_group(libc::SIGKILL);
                        if let Ok(s) = p.child.wait() {
                            p.status = Some(s);
                        }
                        break;
                    }
                    Ok(None) => std::thread::sleep(Duration::from_millis(20)),
                }
            }
            // Anything the leader left behind in its group.
            kill_group(p.child.id(), libc::SIGKILL);
        }
    }
}

impl Drop for Supervisor {
    fn drop(&mut self) {
        self.stop_all(Duration::from_secs(3));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sup() -> (Supervisor, PathBuf) {
        let dir = std::env::temp_dir().join(format!("wirelab-proc-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        (Supervisor::new(PathBuf::from("/bin/sh"), "test"), dir)
    }

    fn alive(pid: u32) -> bool {
        // A zombie counts as gone.
        std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .map(|s| !s.contains(") Z "))
            .unwrap_or(false)
    }

    #[test]
    fn drop_kills_the_whole_group() {
        let (mut s, dir) = sup();
        let log = dir.join("group.log");
        let i = s
            .spawn(
                "sleeper",
                None,
                &["-c".into(), "sleep 30 & echo $!; wait".into()],
                &log,
                Stderr::Log,
            )
            .unwrap();
        let leader = s.get(i).pid();
        let end = Instant::now() + Duration::from_secs(5);
        let grandchild = loop {
            let t = std::fs::read_to_string(&log).unwrap_or_default();
            if let Ok(p) = t.trim().parse::<u32>() {
                break p;
            }
            assert!(
                Instant::now() < end,
                "the shell never printed its child's pid"
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        assert!(alive(grandchild));
        drop(s);
        assert!(!alive(leader), "leader {leader} survived");
        let end = Instant::now() + Duration::from_secs(2);
        while alive(grandchild) && Instant::now() < end {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(!alive(grandchild), "grandchild {grandchild} survived");
    }

    #[test]
    fn an_early_exit_is_reported_with_the_log() {
        let (mut s, dir) = sup();
        let log = dir.join("fail.log");
        s.spawn(
            "failing",
            None,
            &["-c".into(), "echo zone broken >&2; exit 3".into()],
            &log,
            Stderr::Log,
        )
        .unwrap();
        let end = Instant::now() + Duration::from_secs(5);
        let err = loop {
            if let Err(e) = s.check_running(&[]) {
                break e.to_string();
            }
            assert!(Instant::now() < end, "exit not noticed");
            std::thread::sleep(Duration::from_millis(20));
        };
        assert!(
            err.contains("failing stopped unexpectedly (exit code 3)"),
            "{err}"
        );
        assert!(err.contains("zone broken"), "{err}");
    }
}
