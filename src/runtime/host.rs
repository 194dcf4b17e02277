//! The host: where a run's output goes and whether it may touch files. The CLI allows file
//! access; an embedder decides for itself.

use crate::diagnostics::{Error, Result};
use parking_lot::Mutex;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

pub trait Host: Send + Sync {
    fn write_out(&self, text: &str) -> Result<()>;
    fn write_err(&self, text: &str) -> Result<()>;
    fn read_file(&self, path: &str) -> Result<Vec<u8>>;
    fn write_file(&self, path: &str, data: &[u8]) -> Result<()>;
}

/// The process's stdout/stderr and the file system. A closed stdout (`physl … | head`)
/// turns into an error that the CLI recognises with [`StdHost::stdout_closed`] and ends
/// quietly.
#[derive(Default)]
pub struct StdHost {
    closed: AtomicBool,
}

impl StdHost {
    pub fn new() -> StdHost {
        StdHost::default()
    }

    /// True once a write to stdout failed because the reader went away.
    pub fn stdout_closed(&self) -> bool {
        self.closed.load(Ordering::Relaxed)
    }
}

fn io_error(what: &str, path: &str, e: &std::io::Error) -> Error {
    let reason = match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => e.to_string(),
    };
    Error::io(format!("cannot {what} `{path}`: {reason}"))
}

impl Host for StdHost {
    fn write_out(&self, text: &str) -> Result<()> {
        let mut out = std::io::stdout().lock();
        out.write_all(text.as_bytes()).map_err(|e| {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                self.closed.store(true, Ordering::Relaxed);
            }
            Error::io(format!("cannot write to stdout: {e}"))
        })
    }

    fn write_err(&self, text: &str) -> Result<()> {
        // stderr failing is not worth stopping the program for
        let _ = std::io::stderr().lock().write_all(text.as_bytes());
        Ok(())
    }

    fn read_file(&self, path: &str) -> Result<Vec<u8>> {
        std::fs::read(path).map_err(|e| io_error("read", path, &e))
    }

    fn write_file(&self, path: &str, data: &[u8]) -> Result<()> {
        std::fs::write(path, data).map_err(|e| io_error("write", path, &e))
    }
}

/// Collects output in memory and refuses file access unless allowed: for tests and
/// embedders. [`Engine::session`](crate::Engine::session) installs one that refuses files.
#[derive(Default)]
pub struct BufferHost {
    pub out: Mutex<String>,
    pub err: Mutex<String>,
    pub allow_files: bool,
}

impl BufferHost {
    pub fn new(allow_files: bool) -> BufferHost {
        BufferHost {
            allow_files,
            ..BufferHost::default()
        }
    }

    pub fn take_out(&self) -> String {
        std::mem::take(&mut *self.out.lock())
    }
}

/// The error of a refused file access: says why and how to allow it.
fn denied(what: &str, path: &str) -> Error {
    Error::io(format!(
        "{what} `{path}` is not allowed: this embedded session has no file access"
    ))
    .with_help(
        "file access is denied by default for embedded engines; the embedding program can \
         allow it with Session::set_host(Arc::new(BufferHost::new(true))) or StdHost",
    )
}

impl Host for BufferHost {
    fn write_out(&self, text: &str) -> Result<()> {
        self.out.lock().push_str(text);
        Ok(())
    }

    fn write_err(&self, text: &str) -> Result<()> {
        self.err.lock().push_str(text);
        Ok(())
    }

    fn read_file(&self, path: &str) -> Result<Vec<u8>> {
        if !self.allow_files {
            return Err(denied("reading", path));
        }
        std::fs::read(path).map_err(|e| io_error("read", path, &e))
    }

    fn write_file(&self, path: &str, data: &[u8]) -> Result<()> {
        if !self.allow_files {
            return Err(denied("writing", path));
        }
        std::fs::write(path, data).map_err(|e| io_error("write", path, &e))
    }
}
