//! What `save` and `savecsv` do with each kind of target (spec §6, docs/guarantees.md): a regular
//! file is replaced keeping its mode, a symbolic link is followed, anything that is not a regular
//! file is refused and left as it was; and no temporary file outlives a save, whether it fails,
//! is killed by a signal or runs into the file-size limit.

mod common;

use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A fresh empty directory for one test.
fn scratch(name: &str) -> PathBuf {
    common::scratch("save", name)
}

/// Runs `src` in a fresh session: `Ok` with its output, or the code and message of its error.
fn run(src: &str) -> Result<String, (String, String)> {
    common::run(src).map_err(|d| (d.code.as_str().to_string(), format!("{} {}", d.message, d.help.unwrap_or_default())))
}

/// Saves `[1.0, 2.0]` to `path` with `save`, then with `savecsv`: the results of both.
fn save_both(path: &Path) -> [Result<String, (String, String)>; 2] {
    let p = path.display();
    [run(&format!("save(\"{p}\", [1.0, 2.0])")), run(&format!("savecsv(\"{p}\", [1.0, 2.0])"))]
}

/// The names in `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    names.sort();
    names
}

/// Asserts that both saves were refused with `tscript::io` and a message saying `why`.
fn refused(results: [Result<String, (String, String)>; 2], why: &str) {
    for result in results {
        let (code, message) = result.expect_err("the save is refused");
        assert_eq!(code, "tscript::io", "{message}");
        assert!(message.contains(why) && message.contains("writes regular files only"), "{message}");
    }
}

#[test]
fn a_regular_file_is_replaced_keeping_its_mode() {
    let d = scratch("regular");
    let target = d.join("w.npy");
    std::fs::write(&target, "old").unwrap();
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o600)).unwrap();
    // Held open, so that its inode number is not given to a new file while the test runs.
    let old = std::fs::File::open(&target).unwrap();
    let inode = old.metadata().unwrap().ino();
    run(&format!("save(\"{}\", [1.0, 2.0])", target.display())).unwrap();
    assert_eq!(run(&format!("print(load(\"{}\"))", target.display())).unwrap(), "[1.0, 2.0]\n");
    assert_eq!(std::fs::metadata(&target).unwrap().mode() & 0o7777, 0o600, "the mode is kept");
    run(&format!("savecsv(\"{}\", [1.0, 2.0])", target.display())).unwrap();
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "1.0\n2.0\n");
    let meta = std::fs::metadata(&target).unwrap();
    assert_eq!(meta.mode() & 0o7777, 0o600, "the mode is kept");
    assert_ne!(meta.ino(), inode, "replaced by a rename, not written in place");
    // A new file gets the usual mode for new files (0666 less the umask), never a kept one.
    let new = d.join("new.npy");
    run(&format!("save(\"{}\", 1.0)", new.display())).unwrap();
    assert!(std::fs::metadata(&new).unwrap().is_file());
    // A read-only file stays read-only; set-id bits are not carried over.
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o4444)).unwrap();
    run(&format!("save(\"{}\", [3.0])", target.display())).unwrap();
    assert_eq!(std::fs::metadata(&target).unwrap().mode() & 0o7777, 0o444);
    assert_eq!(names(&d), ["new.npy", "w.npy"], "no temporary file is left");
}

#[test]
fn a_symbolic_link_is_followed_to_its_file() {
    let d = scratch("symlink");
    std::fs::create_dir(d.join("data")).unwrap();
    let file = d.join("data").join("w.npy");
    std::fs::write(&file, "old").unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o640)).unwrap();
    // A relative link, through a second link: the chain is followed to the end.
    std::os::unix::fs::symlink("data/w.npy", d.join("first")).unwrap();
    std::os::unix::fs::symlink("first", d.join("link")).unwrap();
    let link = d.join("link");
    run(&format!("save(\"{}\", [1.0, 2.0])", link.display())).unwrap();
    assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink(), "the link stays a link");
    assert!(std::fs::symlink_metadata(d.join("first")).unwrap().file_type().is_symlink());
    assert_eq!(
        run(&format!("print(load(\"{}\"))", file.display())).unwrap(),
        "[1.0, 2.0]\n",
        "its target has the data"
    );
    assert_eq!(std::fs::metadata(&file).unwrap().mode() & 0o7777, 0o640);
    run(&format!("savecsv(\"{}\", [3.0])", link.display())).unwrap();
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "3.0\n");
    assert_eq!(names(&d.join("data")), ["w.npy"]);
    assert_eq!(names(&d), ["data", "first", "link"]);
}

#[test]
fn a_dangling_link_creates_the_file_it_names() {
    let d = scratch("dangling");
    std::os::unix::fs::symlink("made.npy", d.join("link")).unwrap();
    run(&format!("save(\"{}\", [1.0, 2.0])", d.join("link").display())).unwrap();
    assert!(std::fs::symlink_metadata(d.join("link")).unwrap().file_type().is_symlink());
    assert_eq!(run(&format!("print(load(\"{}\"))", d.join("made.npy").display())).unwrap(), "[1.0, 2.0]\n");
    // A loop of links is an error, not a hang.
    std::os::unix::fs::symlink("b", d.join("a")).unwrap();
    std::os::unix::fs::symlink("a", d.join("b")).unwrap();
    let (code, message) = run(&format!("save(\"{}\", 1.0)", d.join("a").display())).unwrap_err();
    assert_eq!(code, "tscript::io");
    assert!(message.contains("symbolic links"), "{message}");
}

#[test]
fn directories_and_links_to_them_are_refused() {
    let d = scratch("dir");
    let dir = d.join("sub");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("keep"), "x").unwrap();
    refused(save_both(&dir), "it is a directory");
    std::os::unix::fs::symlink("sub", d.join("link")).unwrap();
    refused(save_both(&d.join("link")), "it links to a directory");
    assert!(std::fs::symlink_metadata(d.join("link")).unwrap().file_type().is_symlink());
    assert!(dir.is_dir());
    assert_eq!(names(&dir), ["keep"]);
    assert_eq!(names(&d), ["link", "sub"]);
}

/// Makes a named pipe at `path`.
fn mkfifo(path: &Path) {
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a NUL-terminated path and a mode.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0, "mkfifo {}", path.display());
}

#[test]
fn named_pipes_and_sockets_are_refused() {
    let d = scratch("special");
    mkfifo(&d.join("fifo"));
    refused(save_both(&d.join("fifo")), "it is a named pipe");
    assert!(std::fs::symlink_metadata(d.join("fifo")).unwrap().file_type().is_fifo());
    let _listener = std::os::unix::net::UnixListener::bind(d.join("socket")).unwrap();
    refused(save_both(&d.join("socket")), "it is a socket");
    assert!(std::fs::symlink_metadata(d.join("socket")).unwrap().file_type().is_socket());
    assert_eq!(names(&d), ["fifo", "socket"]);
}

#[test]
fn devices_are_never_touched() {
    let d = scratch("device");
    // A link to /dev/null: the link is left alone and /dev/null is not written.
    std::os::unix::fs::symlink("/dev/null", d.join("null")).unwrap();
    refused(save_both(&d.join("null")), "it links to a character device");
    assert!(std::fs::symlink_metadata(d.join("null")).unwrap().file_type().is_symlink());
    assert!(std::fs::metadata("/dev/null").unwrap().file_type().is_char_device());
    // A device node itself: made here as a copy of /dev/null where we may (as root), so that a
    // regression replaces the copy and never the machine's /dev/null.
    let node = d.join("device");
    let c = std::ffi::CString::new(node.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a NUL-terminated path, a mode and a device number.
    let made = unsafe { libc::mknod(c.as_ptr(), libc::S_IFCHR | 0o666, libc::makedev(1, 3)) } == 0;
    if made {
        refused(save_both(&node), "it is a character device");
        assert!(std::fs::symlink_metadata(&node).unwrap().file_type().is_char_device());
    } else {
        println!("not root: the device node case runs through the link only");
    }
    assert_eq!(names(&d).len(), 1 + made as usize, "no temporary file: {:?}", names(&d));
    std::fs::remove_dir_all(&d).expect("remove the device node");
}

#[test]
fn loads_refuse_what_never_ends() {
    let d = scratch("loads");
    mkfifo(&d.join("fifo"));
    for path in ["/dev/zero", d.join("fifo").to_str().unwrap(), d.to_str().unwrap()] {
        for call in ["load", "loadcsv"] {
            let (code, message) = run(&format!("{call}(\"{path}\")")).unwrap_err();
            assert_eq!(code, "tscript::io", "{message}");
            assert!(message.contains("reads regular files only"), "{call}({path}): {message}");
        }
    }
}

#[test]
fn stale_temporary_files_of_dead_processes_are_removed() {
    let d = scratch("stale");
    let dead = {
        let mut child = Command::new("true").spawn().unwrap();
        let pid = child.id();
        child.wait().unwrap();
        pid
    };
    let stale = format!(".w.npy.tscript-save-{dead}-0.tmp");
    let live = ".w.npy.tscript-save-1-0.tmp"; // pid 1 always runs
    let other = format!(".v.npy.tscript-save-{dead}-0.tmp"); // another target's
    let unrelated = format!(".w.npy.tscript-save-{dead}.tmp"); // not a name a save makes
    for name in [stale.as_str(), live, &other, &unrelated] {
        std::fs::write(d.join(name), "partial").unwrap();
    }
    run(&format!("save(\"{}\", 1.0)", d.join("w.npy").display())).unwrap();
    let mut expected = vec![live.to_string(), other, unrelated, "w.npy".into()];
    expected.sort();
    assert_eq!(names(&d), expected);
}

/// `tscript -e CODE` as a child process, in `dir`, with standard error captured, and the signals
/// these tests send at their default action (a test run under `nohup`, or in the background of a
/// shell, inherits SIGHUP or SIGINT ignored, and the child would then not be ended by them).
fn child(dir: &Path, code: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tscript"));
    command.args(["-e", code]).current_dir(dir).env("NO_COLOR", "1").stdout(Stdio::null()).stderr(Stdio::piped());
    // SAFETY: signal() is async-signal-safe; the closure touches nothing else.
    unsafe {
        command.pre_exec(|| {
            for signal in [libc::SIGTERM, libc::SIGHUP, libc::SIGINT] {
                libc::signal(signal, libc::SIG_DFL);
            }
            Ok(())
        });
    }
    command
}

/// The temporary files of saves in `dir`.
fn temporaries(dir: &Path) -> Vec<String> {
    names(dir).into_iter().filter(|n| n.contains(".tscript-save-")).collect()
}

#[test]
fn a_save_ended_by_a_signal_leaves_no_temporary_file() {
    let d = scratch("signal");
    std::fs::write(d.join("w.npy"), "old").unwrap();
    // SIGTERM and SIGHUP end the process, and its handler removes the file first; Ctrl-C
    // (SIGINT) is the command line's own: it stops the save, which reports the interrupt.
    for signal in [libc::SIGTERM, libc::SIGHUP, libc::SIGINT] {
        // Stop the child while its temporary file exists, send the signal, let it go on: the
        // signal arrives mid-save. A save fast enough to finish before it is stopped is retried
        // bigger.
        let mut caught = false;
        for size in [4_000_000, 16_000_000, 48_000_000] {
            let mut process = child(&d, &format!("let x = zeros({size})\nsave(\"w.npy\", x)")).spawn().unwrap();
            let pid = process.id() as libc::pid_t;
            let seen = loop {
                if !temporaries(&d).is_empty() {
                    // SAFETY: signals to our own child.
                    unsafe { libc::kill(pid, libc::SIGSTOP) };
                    break true;
                }
                if process.try_wait().unwrap().is_some() {
                    break false;
                }
                std::thread::yield_now();
            };
            if seen && !temporaries(&d).is_empty() {
                caught = true;
                // SAFETY: as above.
                unsafe {
                    libc::kill(pid, signal);
                    libc::kill(pid, libc::SIGCONT);
                }
            }
            let out = process.wait_with_output().unwrap();
            let status = out.status;
            if caught && signal == libc::SIGINT {
                assert_eq!(status.code(), Some(130), "{}", String::from_utf8_lossy(&out.stderr));
                assert!(String::from_utf8_lossy(&out.stderr).contains("tscript::runtime::interrupted"));
            }
            if caught {
                assert_eq!(status.signal().is_some(), signal != libc::SIGINT, "{status:?}");
                assert!(signal == libc::SIGINT || status.signal() == Some(signal), "the signal still ends the process");
                assert_eq!(std::fs::read(d.join("w.npy")).unwrap(), b"old", "the old file is kept");
                break;
            }
            assert!(status.success(), "{status:?}");
            std::fs::write(d.join("w.npy"), "old").unwrap();
        }
        assert!(caught, "no save was slow enough to stop while writing");
        assert_eq!(names(&d), ["w.npy"], "signal {signal}");
    }
}

#[test]
fn the_file_size_limit_is_an_error_and_leaves_no_temporary_file() {
    let d = scratch("fsize");
    std::fs::write(d.join("w.npy"), "old").unwrap();
    for call in ["save(\"w.npy\", zeros(1000000))", "savecsv(\"w.npy\", zeros(1000000))"] {
        let mut command = child(&d, call);
        // SAFETY: setrlimit is async-signal-safe, as code between fork and exec must be.
        unsafe {
            command.pre_exec(|| {
                let limit = libc::rlimit { rlim_cur: 1 << 20, rlim_max: 1 << 20 };
                match libc::setrlimit(libc::RLIMIT_FSIZE, &limit) {
                    0 => Ok(()),
                    _ => Err(std::io::Error::last_os_error()),
                }
            });
        }
        let out = command.output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "an error, not SIGXFSZ: {:?} {stderr}", out.status);
        assert!(stderr.contains("tscript::io") && stderr.contains("file-size limit"), "{stderr}");
        assert_eq!(names(&d), ["w.npy"]);
        assert_eq!(std::fs::read(d.join("w.npy")).unwrap(), b"old");
    }
}
