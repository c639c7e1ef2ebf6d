//! A thread of its own, at low CPU priority, where the tickets mailer composes its
//! emails.
//!
//! Composing a tickets email (a QR code per ticket) is the heaviest work a paid order
//! sets off, and none of it is urgent: on the async workers it competed with every
//! request of the sale, about a tenth of the machine during a paying rush
//! (docs/benchmarks.md, "Tickets email off the rush"). On this thread, niced to 10 on
//! Linux, the scheduler gives it what the sale leaves: during a rush the emails wait a
//! little longer, after it they catch up. The benchmark's "until settled" figures count
//! both.

use std::panic::AssertUnwindSafe;
use std::sync::mpsc;

use anyhow::anyhow;

/// The nice value of the composing thread: 10 of 19, below every request.
const COMPOSER_NICENESS: i32 = 10;

type Job = Box<dyn FnOnce() + Send>;

/// A handle on the composing thread; clones share it. The thread ends when the last
/// handle is dropped.
#[derive(Clone)]
pub struct MailComposer {
    /// `None` when the thread could not be started: work then runs where it is asked.
    jobs: Option<mpsc::Sender<Job>>,
}

impl MailComposer {
    /// Starts the composing thread (or, should the system refuse a thread, composes on
    /// the caller's, as before there was one).
    pub fn start() -> Self {
        let (jobs, queue) = mpsc::channel::<Job>();
        let started = std::thread::Builder::new()
            .name("mail-composer".to_owned())
            .spawn(move || {
                lower_priority();
                while let Ok(job) = queue.recv() {
                    // A job that panics drops its answer: its caller fails, the thread
                    // goes on with the next.
                    let _ = std::panic::catch_unwind(AssertUnwindSafe(job));
                }
            });
        match started {
            Ok(_) => Self { jobs: Some(jobs) },
            Err(error) => {
                tracing::warn!(%error, "could not start the mail composer; composing in place");
                Self { jobs: None }
            }
        }
    }

    /// Runs `work` on the composing thread and answers its result.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> anyhow::Result<T> {
        let Some(jobs) = &self.jobs else {
            return Ok(work());
        };
        let (reply, answer) = tokio::sync::oneshot::channel();
        jobs.send(Box::new(move || {
            let _ = reply.send(work());
        }))
        .map_err(|_| anyhow!("the mail composer has stopped"))?;
        answer
            .await
            .map_err(|_| anyhow!("the mail composer gave no answer: its work panicked"))
    }
}

/// Lowers the calling thread's CPU priority (Linux: the nice value is per thread).
#[cfg(target_os = "linux")]
fn lower_priority() {
    // SAFETY: gettid and setpriority take plain integers and touch no memory of ours;
    // with PRIO_PROCESS and the thread's own id, Linux changes that thread alone.
    let changed = unsafe {
        let thread = libc::gettid();
        libc::setpriority(libc::PRIO_PROCESS, thread.unsigned_abs(), COMPOSER_NICENESS)
    };
    if changed != 0 {
        tracing::warn!("could not lower the mail composer's priority; it runs at the default");
    }
}

#[cfg(not(target_os = "linux"))]
fn lower_priority() {}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn work_runs_on_the_composing_thread_and_a_panic_fails_only_its_caller() {
        let composer = MailComposer::start();
        let name = composer
            .run(|| std::thread::current().name().map(str::to_owned))
            .await
            .unwrap();
        assert_eq!(name.as_deref(), Some("mail-composer"));
        assert!(composer.run(|| panic!("a broken email")).await.is_err());
        assert_eq!(composer.run(|| 2 + 2).await.unwrap(), 4);
    }

    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn the_composing_thread_runs_below_the_requests() {
        let composer = MailComposer::start();
        let niceness = composer
            .run(|| {
                let stat = std::fs::read_to_string("/proc/thread-self/stat").unwrap();
                // Field 19 is the nice value; the command in field 2 may hold spaces.
                let after_command = &stat[stat.rfind(')').unwrap() + 2..];
                after_command
                    .split(' ')
                    .nth(16)
                    .unwrap()
                    .parse::<i32>()
                    .unwrap()
            })
            .await
            .unwrap();
        assert_eq!(niceness, COMPOSER_NICENESS);
    }
}
