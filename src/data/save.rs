//! Saving a file without losing one (spec §6).
//!
//! A save resolves its path first: symbolic links are followed to the file they name; a regular
//! file there is replaced, keeping its read, write and execute bits (and, where the system allows,
//! its owner); a missing file is created; anything else — a directory, a named pipe, a device, a
//! socket, a link to one of those — is refused before anything is written. The data goes to a temporary
//! file beside the target, named `.NAME.tscript-save-PID-N.tmp`, which is flushed to disk and
//! renamed over the target, so the target holds either the old data or the new, never a part.
//!
//! The temporary file does not outlive the save: a failed write removes it, and so does a
//! SIGTERM, SIGINT, SIGHUP or SIGQUIT that would end the process (a handler unlinks every temporary
//! file in flight, then lets the signal end the process as it would have). SIGXFSZ is ignored, so
//! that a write past the file-size limit fails with `EFBIG` and is reported. A save killed by
//! SIGKILL cannot clean up: the next save of the same path removes the temporary files of that
//! name whose process no longer runs.

use super::io_error;
use crate::diag::Code;
use crate::diag::OpError;
use crate::interrupt::INTERRUPTED;
use std::cell::UnsafeCell;
use std::ffi::{CString, OsStr};
use std::fs::{self, File, Metadata, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileTypeExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};

/// The most symbolic links followed to find a save's target (Linux's own limit).
const MAX_LINKS: usize = 40;

/// What a save writes to: the path after following links, and the regular file there, if any.
#[derive(Debug)]
pub(super) struct Target {
    /// The path to rename the temporary file to.
    pub(super) path: PathBuf,
    /// The regular file at `path` now, or `None` if there is none yet.
    pub(super) existing: Option<Metadata>,
}

/// What a file that is not a regular file is, in words (`None` for a regular file or a link).
pub(super) fn special_kind(meta: &Metadata) -> Option<&'static str> {
    let t = meta.file_type();
    if t.is_file() || t.is_symlink() {
        None
    } else if t.is_dir() {
        Some("a directory")
    } else if t.is_fifo() {
        Some("a named pipe (FIFO)")
    } else if t.is_char_device() {
        Some("a character device")
    } else if t.is_block_device() {
        Some("a block device")
    } else if t.is_socket() {
        Some("a socket")
    } else {
        Some("not a regular file")
    }
}

/// Follows `path` through symbolic links to the file a save would replace, refusing anything that
/// is not a regular file or missing.
pub(super) fn resolve(path: &Path, verb: &str) -> Result<Target, OpError> {
    let mut at = path.to_path_buf();
    for _ in 0..=MAX_LINKS {
        let meta = match fs::symlink_metadata(&at) {
            Ok(meta) => meta,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Target { path: at, existing: None }),
            Err(e) => return Err(io_error(path, super::reason(&e))),
        };
        if meta.file_type().is_symlink() {
            let link = fs::read_link(&at).map_err(|e| io_error(path, super::reason(&e)))?;
            at = match at.parent() {
                Some(dir) if link.is_relative() => dir.join(link),
                _ => link,
            };
            continue;
        }
        return match special_kind(&meta) {
            None => Ok(Target { path: at, existing: Some(meta) }),
            Some(kind) => {
                let what = if at == path {
                    format!("it is {kind}")
                } else {
                    format!("it links to {kind}, `{}`", at.display())
                };
                Err(io_error(path, format!("{what}, and `{verb}` writes regular files only"))
                    .help("give the path of a regular file, or of one to create"))
            }
        };
    }
    Err(io_error(path, format!("it goes through more than {MAX_LINKS} symbolic links")))
}

/// Writes a file as the module documentation describes: resolve, clean up stale temporary files,
/// write a temporary file, flush it to disk, rename it over the target.
pub(crate) fn write_atomic(
    path: &Path,
    verb: &str,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<(), OpError> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    install_handlers();
    let target = resolve(path, verb)?;
    let Some(name) = target.path.file_name() else {
        return Err(io_error(path, "it is not a file name"));
    };
    let dir = target.path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let prefix = temp_prefix(name);
    remove_stale(dir, &prefix);
    let tmp = dir.join(format!("{prefix}{}-{}.tmp", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed)));
    let registered = Registered::new(&tmp);
    let file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o666)
        .open(&tmp)
        .map_err(|e| io_error(path, super::reason(&e)))?;
    let result = (|| {
        if let Some(old) = &target.existing {
            keep_owner_and_mode(&file, old)?;
        }
        let mut out = Interruptible { out: BufWriter::with_capacity(1 << 16, &file), since_check: 0 };
        write(&mut out)?;
        out.flush()?;
        drop(out);
        file.sync_all()?;
        fs::rename(&tmp, &target.path)
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp);
        drop(registered);
        return Err(write_error(path, &e));
    }
    drop(registered);
    // Make the rename itself durable where the platform allows opening a directory.
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// The error a failed write becomes: an interrupt, a file-size limit, or an I/O error.
fn write_error(path: &Path, e: &io::Error) -> OpError {
    if e.get_ref().is_some_and(|inner| inner.is::<Stopped>()) {
        return OpError::new(Code::RuntimeInterrupted, format!("interrupted while saving `{}`", path.display()))
            .label("the old file is kept");
    }
    if e.raw_os_error() == Some(libc::EFBIG) {
        return io_error(path, "the file would exceed the file-size limit")
            .help("raise the limit (`ulimit -f`) or save less data");
    }
    io_error(path, super::reason(e))
}

/// Gives the new file the old one's owner and group (where the system allows it) and its
/// permission bits.
fn keep_owner_and_mode(file: &File, old: &Metadata) -> io::Result<()> {
    let new = file.metadata()?;
    if (new.uid(), new.gid()) != (old.uid(), old.gid()) {
        // Only the superuser may give a file away; others keep the file as theirs.
        let _ = std::os::unix::fs::fchown(file, Some(old.uid()), Some(old.gid()));
    }
    // Read, write and execute bits only: a set-user-id or set-group-id bit is not carried over to
    // data the file did not hold.
    file.set_permissions(fs::Permissions::from_mode(old.mode() & 0o777))
}

/// The start of the temporary file names for a target named `name`: `.NAME.tscript-save-`, with
/// `NAME` cut short so that the whole name stays within the 255 bytes a file name may have.
fn temp_prefix(name: &OsStr) -> String {
    let bytes = name.as_bytes();
    format!(".{}.tscript-save-", String::from_utf8_lossy(&bytes[..bytes.len().min(200)]))
}

/// Removes the temporary files `PREFIX PID-N.tmp` in `dir` left by processes that no longer run
/// (a save killed by SIGKILL). Files of running processes, and anything else, are left alone.
fn remove_stale(dir: &Path, prefix: &str) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = stale_pid(&name.to_string_lossy(), prefix) else { continue };
        let regular = entry.file_type().is_ok_and(|t| t.is_file());
        if regular && pid != std::process::id() && !process_runs(pid) {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// The process id in a temporary file name `PREFIX PID-N.tmp`, if `name` is one.
fn stale_pid(name: &str, prefix: &str) -> Option<u32> {
    let (pid, n) = name.strip_prefix(prefix)?.strip_suffix(".tmp")?.split_once('-')?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    (digits(pid) && digits(n)).then(|| pid.parse().ok()).flatten()
}

/// Whether a process with this id exists (one we may not signal exists too).
fn process_runs(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else { return false };
    // SAFETY: signal 0 only asks whether the process exists; nothing is sent.
    let alive = unsafe { libc::kill(pid, 0) } == 0;
    alive || io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

/// A writer that stops when Ctrl-C has been pressed (checked once a mebibyte), so that a long
/// save can be interrupted.
struct Interruptible<W> {
    out: W,
    /// Bytes written since the last check.
    since_check: usize,
}

/// An interrupt, as the error a write returns (not `ErrorKind::Interrupted`, which `write_all`
/// retries).
#[derive(Debug)]
struct Stopped;

impl std::fmt::Display for Stopped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("interrupted")
    }
}

impl std::error::Error for Stopped {}

impl<W: Write> Write for Interruptible<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.since_check += buf.len();
        if self.since_check >= 1 << 20 {
            self.since_check = 0;
            if INTERRUPTED.swap(false, Ordering::Relaxed) {
                return Err(io::Error::other(Stopped));
            }
        }
        self.out.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

// ---------------------------------------------------------------------------------------------
// Removing temporary files when a signal ends the process.

/// How many saves in flight at once have their temporary file removed by a signal handler.
const SLOTS: usize = 16;

/// The longest temporary file path the handler can remove, with its NUL.
const PATH_BYTES: usize = 4096;

/// Slot states.
const FREE: u8 = 0;
const FILLING: u8 = 1;
const READY: u8 = 2;

/// One temporary file path, NUL-terminated, for the signal handler.
struct Slot {
    state: AtomicU8,
    path: UnsafeCell<[u8; PATH_BYTES]>,
}

// SAFETY: `path` is written only by the thread that moved `state` from FREE to FILLING, and read
// (by the signal handler) only while `state` is READY.
unsafe impl Sync for Slot {}

static REGISTRY: [Slot; SLOTS] =
    [const { Slot { state: AtomicU8::new(FREE), path: UnsafeCell::new([0; PATH_BYTES]) } }; SLOTS];

/// A temporary file path in the registry while a save runs; taken out when dropped.
struct Registered(Option<usize>);

impl Registered {
    /// Puts `path` in a free slot (none when the path is too long or all slots are taken:
    /// the save goes on, and a signal may then leave its file for the next save to remove).
    fn new(path: &Path) -> Registered {
        let Ok(c) = CString::new(path.as_os_str().as_bytes()) else { return Registered(None) };
        let bytes = c.as_bytes_with_nul();
        if bytes.len() > PATH_BYTES {
            return Registered(None);
        }
        for (i, slot) in REGISTRY.iter().enumerate() {
            if slot.state.compare_exchange(FREE, FILLING, Ordering::Acquire, Ordering::Relaxed).is_ok() {
                // SAFETY: this thread owns the slot while it is FILLING (see `Slot`).
                unsafe { (&mut *slot.path.get())[..bytes.len()].copy_from_slice(bytes) };
                slot.state.store(READY, Ordering::Release);
                return Registered(Some(i));
            }
        }
        Registered(None)
    }
}

impl Drop for Registered {
    fn drop(&mut self) {
        if let Some(i) = self.0 {
            REGISTRY[i].state.store(FREE, Ordering::Release);
        }
    }
}

/// Removes the temporary file of every save in flight; async-signal-safe (only `unlink`), for a
/// process about to end without unwinding (a signal, or a second Ctrl-C).
pub fn unlink_temporaries() {
    for slot in &REGISTRY {
        if slot.state.load(Ordering::Acquire) == READY {
            // SAFETY: a READY slot holds a NUL-terminated path (see `Slot`).
            unsafe { libc::unlink(slot.path.get().cast::<libc::c_char>()) };
        }
    }
}

/// The signals whose default action ends the process, and which a save cleans up after.
const FATAL: [libc::c_int; 4] = [libc::SIGTERM, libc::SIGINT, libc::SIGHUP, libc::SIGQUIT];

/// Removes every registered temporary file, then ends the process with the signal's default
/// action. Only async-signal-safe calls: `unlink`, `signal`, `raise`.
extern "C" fn remove_temporaries(signal: libc::c_int) {
    unlink_temporaries();
    // SAFETY: restores the default action and raises the signal again; it is delivered when this
    // handler returns, and ends the process as it would have without the handler.
    unsafe {
        libc::signal(signal, libc::SIG_DFL);
        libc::raise(signal);
    }
}

/// Installs the clean-up handler for each fatal signal whose action is still the default (a
/// signal the program handles itself, such as Ctrl-C in the command line, does not end it), and
/// ignores SIGXFSZ if it is still the default. Once per process, at the first save.
fn install_handlers() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: sigaction with a zeroed, valid struct; the handler only makes async-signal-safe
        // calls. A signal with a handler or ignored already is left as it is.
        unsafe {
            for signal in FATAL {
                let mut old: libc::sigaction = std::mem::zeroed();
                if libc::sigaction(signal, std::ptr::null(), &mut old) == 0 && old.sa_sigaction == libc::SIG_DFL {
                    let mut action: libc::sigaction = std::mem::zeroed();
                    action.sa_sigaction = remove_temporaries as extern "C" fn(libc::c_int) as usize;
                    libc::sigemptyset(&mut action.sa_mask);
                    libc::sigaction(signal, &action, std::ptr::null_mut());
                }
            }
            let mut old: libc::sigaction = std::mem::zeroed();
            if libc::sigaction(libc::SIGXFSZ, std::ptr::null(), &mut old) == 0 && old.sa_sigaction == libc::SIG_DFL {
                libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporary_names_are_recognised() {
        let prefix = temp_prefix(OsStr::new("w.npy"));
        assert_eq!(prefix, ".w.npy.tscript-save-");
        assert_eq!(stale_pid(".w.npy.tscript-save-123-0.tmp", &prefix), Some(123));
        assert_eq!(stale_pid(".w.npy.tscript-save-123.tmp", &prefix), None);
        assert_eq!(stale_pid(".w.npy.tscript-save--0.tmp", &prefix), None);
        assert_eq!(stale_pid(".v.npy.tscript-save-123-0.tmp", &prefix), None);
        assert_eq!(stale_pid(".w.npy.tscript-save-12x-0.tmp", &prefix), None);
        let long = "é".repeat(150);
        assert!(temp_prefix(OsStr::new(&long)).len() <= 230);
    }

    #[test]
    fn only_dead_processes_count_as_gone() {
        assert!(process_runs(std::process::id()));
        assert!(process_runs(1));
        assert!(!process_runs(u32::MAX));
    }
}
