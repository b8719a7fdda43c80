//! Parser tests: the nesting and size limits, and the wording and place of syntax errors.

use super::*;

// ---- limits ----

fn nested(open: &str, inner: &str, close: &str, n: usize) -> String {
    format!("{}{inner}{}", open.repeat(n), close.repeat(n))
}

#[test]
fn nesting_256_levels_parses_and_257_does_not() {
    for (open, close) in [("[", "]"), ("(", ")"), ("f(", ")"), ("a[", "]"), ("if c {", "}"), ("while c {", "}")] {
        let ok = nested(open, "1", close, 256);
        assert!(parse(&ok, 0).is_ok(), "256 levels of {open}");
        let d = parse(&nested(open, "1", close, 257), 0).unwrap_err();
        assert_eq!(d.code, Code::ParseTooDeep, "257 levels of {open}");
        let at = 256 * open.len() + open.len() - 1;
        assert_eq!(d.span().unwrap().start as usize, at, "257 levels of {open}");
    }
    // Shallow code is parsed on the calling thread, deep code on a thread of its own.
    assert_eq!(p(&nested("[", "1", "]", INLINE_DEPTH as usize)), format!("{}1{}", "[".repeat(8), "]".repeat(8)));
    assert_eq!(p(&nested("[", "1", "]", INLINE_DEPTH as usize + 1)).len(), 19);
    assert_eq!(p(&nested("-", "x", "", 256)).matches("neg").count(), 256);
    assert_eq!(err(&nested("-", "x", "", 257)).code, Code::ParseTooDeep);
    assert_eq!(p(&nested("a^", "a", "", 256)).matches('^').count(), 256);
    assert_eq!(err(&nested("a^", "a", "", 257)).code, Code::ParseTooDeep);
    assert_eq!(err(&nested("not ", "a", "", 257)).span(), Some(span(1024, 1027)));
}

#[test]
fn small_stacks_suffice() {
    // Up to `INLINE_DEPTH` levels are parsed on the caller's stack; deeper code on a thread of its
    // own, so even 256 levels need little of the caller's stack.
    let run = |src: String| {
        let thread = std::thread::Builder::new().stack_size(384 << 10);
        thread.spawn(move || parse(&src, 0).map(|p| p.stmts.len()).map_err(|d| d.message)).unwrap().join().unwrap()
    };
    for (open, close) in [("f(", ")"), ("a[", "]"), ("if c {", "}"), ("(", ")")] {
        assert_eq!(run(nested(open, "1", close, INLINE_DEPTH as usize)), Ok(1), "{open}");
        assert_eq!(run(nested(open, "1", close, 256)), Ok(1), "{open}");
    }
}

#[test]
fn pathological_nesting_is_rejected() {
    // Brackets are rejected by the scan before pest runs; the other forms are flat for pest and
    // rejected by the builder, after pest has read the statement (linear, but slow in debug
    // builds: hence the smaller count for the longest forms).
    const N: usize = 100_000;
    const M: usize = 20_000;
    let cases = [
        nested("(", "1", ")", N),
        nested("[", "1", "]", N),
        nested("{", "1", "}", N),
        nested("f(", "1", ")", N),
        nested("(", "", "", N),
        nested("- ", "x", "", N),
        nested("-", "x", "", N),
        nested("not ", "x", "", N),
        nested("a^", "a", "", N),
        nested("2^-", "a", "", M),
        nested("|x| ", "x", "", M),
        nested("if ", "c", "", N),
        nested("if ", "c {}", " {}", N),
        nested("1 + ", "1", "", M),
        nested("", "a", "[0]", M),
        nested("", "a", ".T", M),
        nested("", "f", "()", M),
        format!("let t: {}int = 1", "fn() -> ".repeat(M)),
        format!("if a {{}}{}", " else if a {}".repeat(M)),
        format!("let {}a{} = 1", "(".repeat(N), ")".repeat(N)),
    ];
    for src in &cases {
        let d = parse(src, 0).unwrap_err();
        assert_eq!(d.code, Code::ParseTooDeep, "{}...: {}", &src[..20], d.message);
    }
}

#[test]
fn expression_trees_deeper_than_the_limit_are_rejected() {
    let ok = format!("1{}", " + 1".repeat(MAX_TREE_DEPTH as usize - 1));
    assert!(parse(&ok, 0).is_ok());
    let too_deep = format!("1{}", " + 1".repeat(MAX_TREE_DEPTH as usize));
    let d = parse(&too_deep, 0).unwrap_err();
    assert_eq!(d.code, Code::ParseTooDeep);
    let at = 2 + 4 * (MAX_TREE_DEPTH - 1);
    assert_eq!(d.span(), Some(span(at, at + 1)));
}

#[test]
fn many_statements_parse_each_on_their_own() {
    // Each top-level statement is parsed on its own (speed is for `cargo bench --bench check`).
    let src = "let x = 1 + 2 * f(y, z)[0]\n".repeat(5_000);
    assert_eq!(parse(&src, 0).unwrap().stmts.len(), 5_000);
}

#[test]
fn sources_over_64_mib_are_rejected() {
    let mut src = " ".repeat(MAX_SOURCE_BYTES);
    assert!(parse(&src, 0).unwrap().stmts.is_empty());
    src.push('x');
    let d = parse(&src, 7).unwrap_err();
    assert_eq!(d.code, Code::ParseTooLarge);
    assert_eq!(d.span(), Some(span(7, 7)));
}

// ---- errors ----

#[test]
fn error_messages_and_spans() {
    let cases: &[(&str, &str, (u32, u32))] = &[
        ("let x = ", "expected an expression, found the end of the input", (6, 7)),
        ("let x = )", "expected an expression, found `)`", (8, 9)),
        ("f(a b)", "expected an operator, `,` or `)`, found `b`", (4, 5)),
        ("x y", "expected an operator or the end of the statement, found `y`", (2, 3)),
        ("let x = 1 2\n", "expected an operator or the end of the statement, found `2`", (10, 11)),
        ("fn f() {\n  a b\n}", "expected an operator, the end of the statement or `}`, found `b`", (13, 14)),
        ("x = (1, 2", "expected `)` to close this `(`", (8, 9)),
        ("f(1]", "expected `)` to close this `(`", (3, 4)),
        ("while x {\n  y\n", "expected `}` to close this `{`", (12, 13)),
        ("}", "unexpected `}`", (0, 1)),
        ("x = 1)", "unexpected `)`", (5, 6)),
        ("let s = \"abc", "this string is never closed", (8, 12)),
        ("let s = \"abc\nlet t = 1", "this string is never closed", (8, 12)),
        ("print(\"a\\qb\")", "`\\q` is not an escape TensorScript knows", (8, 10)),
        ("1 +* 2", "expected an expression, found `*`", (3, 4)),
        ("let = 3", "expected a name, found `=`", (4, 5)),
        ("let x: foo = 1", "expected a type, found `foo`", (7, 10)),
        ("dtype f16", "expected `f32` or `f64`, found `f16`", (6, 9)),
        ("for i 0..3 {}", "expected `in`, found `0`", (6, 7)),
        ("for i in 0 {}", "expected `..`, `..=` or an operator, found `{`", (11, 12)),
        ("fn f(x y) = 1", "expected `,` or `)`, found `y`", (7, 8)),
        ("|x y| x", "expected `,` or `|`, found `y`", (3, 4)),
        ("if x { 1 } else", "expected `{` or `if`, found the end of the input", (14, 15)),
        ("A[]", "expected an index, found `]`", (2, 3)),
        ("x.", "expected a name, found the end of the input", (1, 2)),
        ("threads", "expected an expression or `auto`, found the end of the input", (6, 7)),
        ("let x == 1", "expected `=`, found `==`", (6, 8)),
        ("3 = x", "cannot assign to this expression", (0, 1)),
        ("A[i][j] = 1", "cannot assign to this expression", (0, 7)),
        ("x.T = 1", "cannot assign to this expression", (0, 3)),
        ("a = 1\nb = (2 +\n\n", "expected an expression, found the end of the input", (13, 14)),
        ("a andb", "expected an operator or the end of the statement, found `andb`", (2, 6)),
        ("let x: f64[2.5] = y", "a dimension is an int, a name or `?`", (11, 14)),
        ("x = 1\n  else { }", "expected an operator or the end of the statement, found `else`", (8, 12)),
        ("{ a }", "expected a statement, found `{`", (0, 1)),
        ("let f = |x| { x } + 1", "expected the end of the statement, found `+`", (18, 19)),
    ];
    for &(src, message, (start, end)) in cases {
        let d = err(src);
        assert_eq!(d.code, Code::Parse, "{src:?}");
        assert_eq!(d.message, message, "{src:?}");
        assert_eq!(d.span(), Some(span(start, end)), "{src:?}");
    }
}

#[test]
fn errors_carry_help_where_a_fix_is_likely() {
    let help = |src: &str| err(src).help.unwrap_or_default();
    assert_eq!(help("if x = 1 { 2 }"), "use `==` to compare");
    assert_eq!(help("while a = b { }"), "use `==` to compare");
    assert_eq!(help("a ** b"), "use `^` for powers");
    assert_eq!(help("let in = 2"), "`in` is a keyword and cannot be a name");
    assert!(help("let x: foo = 1").starts_with("types are"));
    assert!(help("print(\"a\\qb\")").contains(r"`\n`"));
    assert!(help("3 = x").contains("A[i] = ..."));
    assert!(help("let s = \"abc").contains("same line"));
}

#[test]
fn errors_at_the_end_point_at_the_last_character() {
    let d = err("let x = 1 +  # more to come\n\n");
    assert_eq!(d.message, "expected an expression, found the end of the input");
    assert_eq!(d.labels[0], (span(10, 11), "expected an expression after this".to_string()));
    let d = err("let x = \"é\" +");
    assert_eq!(d.span(), Some(span(13, 14)));
    let d = err("let x = é");
    assert_eq!(d.message, "expected an expression, found `é`");
    assert_eq!(d.span(), Some(span(8, 10)));
    let d = err("x = 1 +\nlet y = 2");
    assert_eq!(d.message, "expected an expression, found `let`");
    let d = err("let x = (1 +;");
    assert_eq!(d.message, "expected an expression, found `;`");
}

#[test]
fn unclosed_brackets_point_at_the_opener_too() {
    let d = err("x = f(1,\n  [2, 3\n");
    assert_eq!(d.message, "expected `]` to close this `[`");
    assert_eq!(d.labels[1], (span(11, 12), "opened here".to_string()));
}

#[test]
fn incomplete_input_for_the_repl() {
    for src in ["f(1,", "x +", "fn f() {", "let a = [", "if x {\n  y", "let b = x and", "let f = |x|"] {
        assert!(is_incomplete(src), "{src:?}");
    }
    for src in ["x = 1", "\"(\"", "# (", "f(1)", "}", "", "x = y -1"] {
        assert!(!is_incomplete(src), "{src:?}");
    }
}

/// A literal of numbers only is read without pest's pairs (`number_tensor`). One that is not
/// rectangular gets the tree, spans included, that the general path builds (which a name in each
/// bracket forces); a rectangular one is held compactly (`ExprKind::Numbers`).
#[test]
fn number_literals_build_the_general_tree() {
    let general = "[[1, -2.5, xy], [3e2, - 4_0, xy,], [ xy ], -7, xy]";
    let fast = general.replace("xy", "10");
    let tree = |src: &str| match &parse(src, 0).unwrap().stmts[0].kind {
        StmtKind::Expr(e @ Expr { kind: ExprKind::Tensor(_), .. }) => format!("{e:?}"),
        other => panic!("{other:?}"),
    };
    // The name's node, with its span, written as the number's.
    let mut general_tree = tree(general);
    while let Some(at) = general_tree.find("Name(Ident { name: \"xy\"") {
        let end = at + general_tree[at..].find("} })").unwrap() + 4;
        general_tree.replace_range(at..end, "Int(10)");
    }
    assert_eq!(tree(&fast), general_tree);
    // A rectangular literal is held compactly, each number read as its node would be.
    let numbers = |src: &str| match &parse(src, 0).unwrap().stmts[0].kind {
        StmtKind::Expr(Expr { kind: ExprKind::Numbers(n), .. }) => (**n).clone(),
        other => panic!("{other:?}"),
    };
    let n = numbers("[[1, -2.5], [3e2, - 4_0,], [0.1, -0], [-0.0, 9007199254740993]]");
    assert_eq!(n.shape, [4, 2]);
    assert_eq!(n.f64, [1.0, -2.5, 300.0, -40.0, 0.1, 0.0, -0.0, 9007199254740992.0]);
    assert_eq!(n.f32[4], 0.1f32, "read from the text at 32 bits, not rounded from 64");
    assert!(n.f64[5].is_sign_positive() && n.f64[6].is_sign_negative(), "-0 is the int 0; -0.0 is negative");
    assert_eq!(numbers("[[[1], [2]], [[3], [4]]]").shape, [2, 2, 1]);
    for ragged in ["[[1, 2], [[3], [4]]]", "[[1, 2], [3]]", "[[1], 2]", "[[]]", "[1, [2]]"] {
        assert!(
            !matches!(parse(ragged, 0).unwrap().stmts[0].kind, StmtKind::Expr(Expr { kind: ExprKind::Numbers(_), .. })),
            "{ragged}"
        );
    }
    // Nesting and integer limits are the general path's.
    let deep = format!("{}1{}", "[".repeat(257), "]".repeat(257));
    assert_eq!(parse(&deep, 0).unwrap_err().code, Code::ParseTooDeep);
    assert_eq!(parse("[1, 99999999999999999999]", 0).unwrap_err().code, Code::ParseNumber);
}

/// A byte-order mark at the start is blank space, and offsets stay those of the text.
#[test]
fn a_byte_order_mark_is_blank() {
    let program = parse("\u{feff}let x = 1", 0).unwrap();
    assert_eq!(sexp_program(&program), "(let x 1)");
    assert_eq!(program.stmts[0].span.start, 3);
    assert!(parse("let x = \u{feff}1", 0).is_err(), "only at the start");
}

#[test]
fn fstrings() {
    assert_eq!(p(r#"f"step {i}: loss {l:.4f}""#), r#"(f "step " {i} ": loss " {l:.4f})"#);
    assert_eq!(p(r#"f"""#), "(f )");
    assert_eq!(p(r#"f"{{a}} \t""#), r#"(f "{a} \t")"#);
    assert_eq!(p(r#"f"{x!r:>10} {x!s}{ a + b }""#), r#"(f {x!r:>10} " " {x!s} {(+ a b)})"#);
    assert_eq!(p(r#"f"{f"{g("a")}"}""#), r#"(f {(f {(call g "a")})})"#);
    assert_eq!(p(r#"f"{A[1:2]:,}""#), r#"(f {(index A (: 1 2 _)):,})"#);
    // A blank after `:` is part of the spec (a fill or a sign); `f` alone is still a name.
    assert_eq!(p(r#"f"{x: >5}""#), r#"(f {x: >5})"#);
    assert_eq!(p("f + 1"), "(+ f 1)");
    // Spans: the field's expression where it is written, the spec without its `:`.
    let program = parse(r#"f"a{xy:>4}""#, 10).unwrap();
    let StmtKind::Expr(Expr { kind: ExprKind::FString(parts), .. }) = &program.stmts[0].kind else { panic!() };
    let FPart::Field { value, spec: Some((_, at)), span: field, .. } = &parts[1] else { panic!() };
    assert_eq!((value.span, *at, *field), (span(14, 16), span(17, 19), span(13, 20)));
}

#[test]
fn fstring_errors() {
    let cases = [
        (r#"f"{}""#, "an f-string field needs an expression", (2, 4)),
        (r#"f"a } b""#, "a single `}` in an f-string", (4, 5)),
        (r#"f"{x y}""#, "unexpected `y` in an f-string field", (5, 6)),
        (r#"f"{x:{w}}""#, "a format spec cannot hold a field", (5, 8)),
        (r#"f"{x:.q}""#, "bad format spec: `.` must be followed by a number of digits", (5, 6)),
        (r#"f"{x!z}""#, "`!z` is not a conversion", (4, 6)),
        (r#"f"{x""#, "this f-string field is never closed", (2, 3)),
        (r#"f"abc"#, "this f-string is never closed", (0, 2)),
        (r#"f"\q""#, "`\\q` is not an escape TensorScript knows", (2, 4)),
        (r#"f"{(x + }""#, "expected an expression, found the end of the input", (6, 7)),
    ];
    for (src, message, (a, b)) in cases {
        let d = err(src);
        assert_eq!(d.message, message, "{src}");
        assert_eq!(d.labels[0].0, span(a, b), "{src}");
    }
}

#[test]
fn precision_is_a_keyword_only_before_a_count() {
    assert_eq!(p("precision 3"), "(precision 3)");
    assert_eq!(p("precision auto"), "(precision auto)");
    assert_eq!(p("precision n + 1"), "(precision (+ n 1))");
    assert_eq!(p("precision = 3"), "(= precision 3)");
    assert_eq!(p("let precision = tp / (tp + fp)"), "(let precision (/ tp (+ tp fp)))");
    assert_eq!(p("precision(y, t)"), "(call precision y t)");
    assert_eq!(p("precision - 1"), "(- precision 1)");
    assert_eq!(p("precision"), "precision");
}
