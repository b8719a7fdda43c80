//! Data files: `.npy` and CSV round trips, every error kind with its code, atomic saves, and
//! `.npy` interop with NumPy when a Python with NumPy is found (`TSCRIPT_PYTHON`, else `python3` on PATH; skipped with a message if not).

mod common;

use std::path::{Path, PathBuf};

/// Runs `src`: its printed output, or the code and message of its first error.
fn run(src: &str) -> Result<String, (String, String)> {
    common::run(src).map_err(|d| (d.code.as_str().to_string(), format!("{} {}", d.message, d.help.unwrap_or_default())))
}

fn ok(src: &str) -> String {
    run(src).unwrap_or_else(|e| panic!("{e:?} from:\n{src}"))
}

/// A fresh empty directory for one test.
fn scratch(name: &str) -> PathBuf {
    common::scratch("data", name)
}

fn p(dir: &Path, file: &str) -> String {
    dir.join(file).display().to_string()
}

#[test]
fn npy_round_trips_every_dtype_and_rank() {
    let d = scratch("npy");
    let src = format!(
        "seed 3
let A = randn(2, 3, 4)
save(\"{a}\", A)
save(\"{b}\", f32(A))
save(\"{c}\", A > 0)
save(\"{s}\", 0.1)
save(\"{t}\", A[0].T)
print(all(load(\"{a}\") == A), all(load(\"{b}\") == f32(A)), all(load(\"{c}\") == (A > 0)), load(\"{s}\"), all(load(\"{t}\") == A[0].T))
print(shape(load(\"{b}\")), load(\"{c}\")[0, 0, 0] == (A[0, 0, 0] > 0))",
        a = p(&d, "a.npy"),
        b = p(&d, "b.npy"),
        c = p(&d, "c.npy"),
        s = p(&d, "s.npy"),
        t = p(&d, "t.npy")
    );
    assert_eq!(ok(&src), "true true true 0.1 true\n(2, 3, 4) true\n");
    let left: Vec<_> = std::fs::read_dir(&d).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    assert_eq!(left.len(), 5, "no temporary files left: {left:?}");
}

#[test]
fn csv_round_trips_exactly() {
    let d = scratch("csv");
    let src = format!(
        "let A = [[0.1, 1e-300, 5e-324], [-0.0, 1.7976931348623157e+308, 0.30000000000000004], [1.0 / 3.0, 2.0 / 3.0, 1e16]]
savecsv(\"{a}\", A)
let B = loadcsv(\"{a}\")
print(all(B == A), shape(B))
savecsv(\"{v}\", [1.5, 2.5])
print(loadcsv(\"{v}\"))
dtype f32
let F = f32(A) / 7.0
savecsv(\"{f}\", F)
print(all(loadcsv(\"{f}\") == F))",
        a = p(&d, "a.csv"),
        v = p(&d, "v.csv"),
        f = p(&d, "f.csv")
    );
    assert_eq!(ok(&src), "true (3, 3)\n[[1.5], [2.5]]\ntrue\n");
    std::fs::write(d.join("h.csv"), "a, b\n# a comment\n1, 2\n\n3, 4\n").unwrap();
    assert_eq!(
        ok(&format!("print(loadcsv(\"{}\", header=true))", p(&d, "h.csv"))),
        "([[1.0, 2.0], [3.0, 4.0]], (\"a\", \"b\"))\n"
    );
}

#[test]
fn csv_files_as_spreadsheets_write_them() {
    let d = scratch("csv-real");
    // iris-like: a header, a quoted number, a quoted name with the delimiter in it, missing
    // values in several spellings, a column of words, a comment and a blank line.
    std::fs::write(
        d.join("iris.csv"),
        "\u{feff}sepal length,\"width, cm\",species\n5.1,\"3.5\",setosa\n4.9,NA,virginica\n# note\n\n,3.2, setosa\n6.0,nan,\n",
    )
    .unwrap();
    let iris = p(&d, "iris.csv");
    assert_eq!(
        ok(&format!(
            "let (X, names, categories) = loadcsv(\"{iris}\", header=true, categorical=true)
print(X)
print(names)
print(categories)"
        )),
        "[[5.1, 3.5, 0.0], [4.9, nan, 1.0], [nan, 3.2, 0.0], [6.0, nan, nan]]
(\"sepal length\", \"width, cm\", \"species\")
((), (), (\"setosa\", \"virginica\"))
"
    );
    // Columns by name and by index (negative from the end), in the order asked.
    assert_eq!(
        ok(&format!("print(loadcsv(\"{iris}\", header=true, columns=(\"width, cm\", 0)))")),
        "([[3.5, 5.1], [nan, 4.9], [3.2, nan], [nan, 6.0]], (\"width, cm\", \"sepal length\"))\n"
    );
    assert_eq!(
        ok(&format!("print(loadcsv(\"{iris}\", header=true, categorical=true, columns=-1)[2])")),
        "((\"setosa\", \"virginica\"),)\n"
    );
    // Other delimiters; a header written back, quoted where CSV needs it.
    std::fs::write(d.join("semi.csv"), "a;b\n1;2,5\n").unwrap();
    let (_, message) = error(&format!("loadcsv(\"{}\", header=true)", p(&d, "semi.csv")));
    assert!(
        message.contains("line 2 has 2 values, but the header has 1") && message.contains("delimiter=\";\""),
        "{message}"
    );
    std::fs::write(d.join("tab.csv"), "a\tb\n1\t2\n").unwrap();
    let out = p(&d, "out.csv");
    assert_eq!(
        ok(&format!(
            "let (T, names) = loadcsv(\"{}\", header=true, delimiter=\"\\t\")
savecsv(\"{out}\", T, header=(\"x, first\", names[1]))
print(loadcsv(\"{out}\", header=true))",
            p(&d, "tab.csv")
        )),
        "([[1.0, 2.0]], (\"x, first\", \"b\"))\n"
    );
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "\"x, first\",b\n1.0,2.0\n");

    // Every mistake is a diagnostic that says what to do.
    let (code, message) = error(&format!("loadcsv(\"{iris}\", header=true)"));
    assert_eq!(code, "tscript::io");
    assert!(message.contains("column 3 (\"species\"): 'setosa' is not a number"), "{message}");
    assert!(message.contains("categorical=true") && message.contains("columns="), "{message}");
    let (code, message) = error(&format!("loadcsv(\"{iris}\", header=true, columns=(\"specis\",))"));
    assert_eq!(code, "tscript::runtime::value");
    assert!(message.contains("no column \"specis\"") && message.contains("did you mean \"species\"?"), "{message}");
    let (code, message) = error(&format!("loadcsv(\"{iris}\", columns=(\"species\",))"));
    assert_eq!(code, "tscript::runtime::value");
    assert!(message.contains("no header"), "{message}");
    let (code, message) = error(&format!("loadcsv(\"{iris}\", header=true, columns=(3,))"));
    assert_eq!(code, "tscript::runtime::index");
    assert!(message.contains("column 3 is out of range for a file of 3 columns"), "{message}");
    let (code, message) = error(&format!("loadcsv(\"{iris}\", delimiter=\"ab\")"));
    assert_eq!(code, "tscript::runtime::value");
    assert!(message.contains("one character"), "{message}");
    let (code, message) = error(&format!("let h = 1 < 2\nloadcsv(\"{iris}\", header=h)"));
    assert_eq!(code, "tscript::type::mismatch");
    assert!(message.contains("must be written as true or false"), "{message}");
    let (code, _) = error(&format!("loadcsv(\"{iris}\", columns=1.5)"));
    assert_eq!(code, "tscript::type::mismatch");
    let (code, message) = error(&format!("savecsv(\"{out}\", eye(2), header=(\"a\",))"));
    assert_eq!(code, "tscript::runtime::shape");
    assert!(message.contains("the header names 1 columns, but the data has 2"), "{message}");
    // A quote left open swallows the lines after it: they are not a number.
    std::fs::write(d.join("quote.csv"), "1,\"2\n3,4\n").unwrap();
    assert_eq!(error(&format!("loadcsv(\"{}\")", p(&d, "quote.csv"))).0, "tscript::io");
}

/// The code and message of the error `src` ends in.
fn error(src: &str) -> (String, String) {
    run(src).err().unwrap_or_else(|| panic!("no error from:\n{src}"))
}

#[test]
fn file_errors_name_the_path_and_the_reason() {
    let d = scratch("errors");
    let missing = p(&d, "missing.npy");
    let (code, message) = error(&format!("load(\"{missing}\")"));
    assert_eq!(code, "tscript::io");
    assert!(message.contains(&missing) && message.contains("no such file"), "{message}");
    let (code, message) = error(&format!("loadcsv(\"{}\")", p(&d, "missing.csv")));
    assert_eq!(code, "tscript::io");
    assert!(message.contains("no such file"), "{message}");

    std::fs::write(d.join("bad.npy"), b"not a numpy file").unwrap();
    let (code, message) = error(&format!("load(\"{}\")", p(&d, "bad.npy")));
    assert_eq!(code, "tscript::io");
    assert!(message.contains("not a .npy file"), "{message}");

    let whole = {
        let src = format!("save(\"{}\", [1.0, 2.0, 3.0])", p(&d, "ok.npy"));
        ok(&src);
        std::fs::read(d.join("ok.npy")).unwrap()
    };
    std::fs::write(d.join("short.npy"), &whole[..whole.len() - 3]).unwrap();
    let (code, message) = error(&format!("load(\"{}\")", p(&d, "short.npy")));
    assert_eq!(code, "tscript::io");
    assert!(message.contains("truncated"), "{message}");
    std::fs::write(d.join("header.npy"), &whole[..40]).unwrap();
    let (_, message) = error(&format!("load(\"{}\")", p(&d, "header.npy")));
    assert!(message.contains("header is truncated"), "{message}");
    let mut corrupt = whole.clone();
    corrupt[20] = b'#';
    std::fs::write(d.join("corrupt.npy"), &corrupt).unwrap();
    let (_, message) = error(&format!("load(\"{}\")", p(&d, "corrupt.npy")));
    assert!(message.contains("header is corrupt"), "{message}");
    std::fs::write(d.join("z.npz"), b"PK\x03\x04rest").unwrap();
    let (_, message) = error(&format!("load(\"{}\")", p(&d, "z.npz")));
    assert!(message.contains(".npz"), "{message}");

    std::fs::write(d.join("ragged.csv"), "1,2,3\n4,5,6\n7,8\n").unwrap();
    let (code, message) = error(&format!("loadcsv(\"{}\")", p(&d, "ragged.csv")));
    assert_eq!(code, "tscript::io");
    assert!(message.contains("line 3 has 2 values, but line 1 has 3"), "{message}");
    std::fs::write(d.join("named.csv"), "x,y\n1,2\n").unwrap();
    let (_, message) = error(&format!("loadcsv(\"{}\")", p(&d, "named.csv")));
    assert!(message.contains("'x' is not a number") && message.contains("header=true"), "{message}");

    let (code, message) = error(&format!("save(\"{}\", eye(2))", p(&d, "no/such/dir/w.npy")));
    assert_eq!(code, "tscript::io");
    assert!(message.contains("no such file"), "{message}");
    assert_eq!(error(&format!("save(\"{}\", \"three\")", p(&d, "str.npy"))).0, "tscript::type::mismatch");
}

#[test]
fn a_failed_save_keeps_the_old_file() {
    let d = scratch("atomic");
    let target = p(&d, "w.npy");
    ok(&format!("save(\"{target}\", [1.0, 2.0])"));
    let before = std::fs::read(&target).unwrap();
    // Saving a value that cannot be written fails before the file is touched.
    assert!(run(&format!("savecsv(\"{target}\", [[[1.0]]])")).is_err());
    assert_eq!(std::fs::read(&target).unwrap(), before);
    assert_eq!(std::fs::read_dir(&d).unwrap().count(), 1);
}

/// A Python interpreter with NumPy, if there is one.
fn numpy_python() -> Option<String> {
    let candidates = std::env::var("TSCRIPT_PYTHON").into_iter().chain(["python3".to_string()]);
    candidates.into_iter().find(|py| {
        std::process::Command::new(py).args(["-c", "import numpy"]).output().is_ok_and(|o| o.status.success())
    })
}

fn python(py: &str, dir: &Path, code: &str) -> String {
    let out = std::process::Command::new(py).arg("-c").arg(code).current_dir(dir).output().expect("run python");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn npy_files_travel_to_and_from_numpy() {
    let Some(py) = numpy_python() else {
        println!("skipped: no Python with NumPy (set TSCRIPT_PYTHON to one)");
        return;
    };
    let d = scratch("numpy");
    python(
        &py,
        &d,
        "import numpy as np
a = np.array([[0.1, -2.5, 1e-300], [3.0, 4.0, 5e-324]])
np.save('f8.npy', a)
np.save('f4.npy', a.astype(np.float32))
np.save('b1.npy', a > 1)
np.save('fortran.npy', np.asfortranarray(np.arange(24.0).reshape(2, 3, 4)))
np.save('big.npy', a.astype('>f8'))
np.save('ints.npy', np.arange(4))
np.save('scalar.npy', np.float64(0.1))",
    );
    let src = format!(
        "print(load(\"{0}/f8.npy\"))\nprint(load(\"{0}/f4.npy\"))\nprint(load(\"{0}/b1.npy\"))\nprint(load(\"{0}/fortran.npy\")[1, 2])
print(load(\"{0}/big.npy\") == load(\"{0}/f8.npy\"))\nprint(load(\"{0}/ints.npy\"), load(\"{0}/scalar.npy\"))
let A = load(\"{0}/f8.npy\")
save(\"{0}/t_f8.npy\", A / 3.0)\nsave(\"{0}/t_f4.npy\", f32(A) / 3.0)\nsave(\"{0}/t_b1.npy\", A > 1)\nsave(\"{0}/t_t.npy\", (A / 3.0).T)
save(\"{0}/t_i8.npy\", load(\"{0}/ints.npy\") * -3)",
        d.display()
    );
    assert_eq!(
        ok(&src),
        "[[0.1, -2.5, 1e-300], [3.0, 4.0, 5e-324]]\n[[0.1, -2.5, 0.0], [3.0, 4.0, 0.0]]\n[[false, false, false], [true, true, false]]\n\
         [20.0, 21.0, 22.0, 23.0]\n[[true, true, true], [true, true, true]]\n[0, 1, 2, 3] 0.1\n"
    );
    let check = python(
        &py,
        &d,
        "import numpy as np
a = np.load('f8.npy')
same = lambda x, y: x.dtype == y.dtype and x.shape == y.shape and x.tobytes() == y.tobytes()
print(same(np.load('t_f8.npy'), a / 3.0), same(np.load('t_f4.npy'), a.astype(np.float32) / np.float32(3.0)),
      same(np.load('t_b1.npy'), a > 1), same(np.load('t_t.npy'), np.ascontiguousarray((a / 3.0).T)),
      same(np.load('t_i8.npy'), np.arange(4) * -3))
np.save('np_t.npy', a / 3.0)
print(open('np_t.npy', 'rb').read() == open('t_f8.npy', 'rb').read())",
    );
    assert_eq!(check, "True True True True True\nTrue\n");
}
