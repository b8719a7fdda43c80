//! Tests of the parser. `sexp` renders a tree compactly so that expected trees read at a glance.

use super::*;
use std::fmt::Write as _;

fn sexp_program(p: &Program) -> String {
    p.stmts.iter().map(sexp_stmt).collect::<Vec<_>>().join(" ")
}

fn sexp_stmt(s: &Stmt) -> String {
    match &s.kind {
        StmtKind::Let { pattern, ty, value } => match ty {
            Some(t) => format!("(let {} : {} {})", sexp_pat(pattern), sexp_ty(t), sexp(value)),
            None => format!("(let {} {})", sexp_pat(pattern), sexp(value)),
        },
        StmtKind::Assign { target, op, value } => {
            format!("({}= {} {})", op.map_or("", |o| o.symbol()), target.name, sexp(value))
        }
        StmtKind::IndexAssign { target, indices, op, value } => format!(
            "({}= (index {} {}) {})",
            op.map_or("", |o| o.symbol()),
            target.name,
            indices.iter().map(sexp_index).collect::<Vec<_>>().join(" "),
            sexp(value)
        ),
        StmtKind::Fn(def) => format!("(fn {})", sexp_fn(def)),
        StmtKind::Return(None) => "(return)".into(),
        StmtKind::Return(Some(e)) => format!("(return {})", sexp(e)),
        StmtKind::Break => "(break)".into(),
        StmtKind::Continue => "(continue)".into(),
        StmtKind::While { cond, body } => format!("(while {} {})", sexp(cond), sexp_block(body)),
        StmtKind::For { var, start, end, inclusive, body } => format!(
            "(for {} {} {} {} {})",
            var.name,
            sexp(start),
            if *inclusive { "..=" } else { ".." },
            sexp(end),
            sexp_block(body)
        ),
        StmtKind::Threads { count, body } => {
            let count = match count {
                ThreadCount::Auto(_) => "auto".to_string(),
                ThreadCount::Count(e) => sexp(e),
            };
            match body {
                Some(b) => format!("(threads {count} {})", sexp_block(b)),
                None => format!("(threads {count})"),
            }
        }
        StmtKind::Seed(e) => format!("(seed {})", sexp(e)),
        StmtKind::Precision(e) => format!("(precision {})", e.as_ref().map_or("auto".to_string(), sexp)),
        StmtKind::Dtype(d) => format!("(dtype {d:?})"),
        StmtKind::Import { path, alias: Some(alias), .. } => format!("(import {path:?} as {})", alias.name),
        StmtKind::Import { path, alias: None, .. } => format!("(import {path:?})"),
        StmtKind::Expr(e) => sexp(e),
    }
}

fn sexp_fn(def: &FnDef) -> String {
    let mut out = String::new();
    if let Some(name) = &def.name {
        write!(out, "{} ", name.name).unwrap();
    }
    let params: Vec<String> = def
        .params
        .iter()
        .map(|p| match &p.ty {
            Some(t) => format!("{}:{}", p.name.name, sexp_ty(t)),
            None => p.name.name.to_string(),
        })
        .collect();
    write!(out, "({})", params.join(" ")).unwrap();
    if let Some(ret) = &def.ret {
        write!(out, " -> {}", sexp_ty(ret)).unwrap();
    }
    write!(out, " {}", sexp(&def.body)).unwrap();
    out
}

fn sexp_block(b: &Block) -> String {
    let stmts: Vec<String> = b.stmts.iter().map(sexp_stmt).collect();
    format!("{{{}}}", stmts.join(" "))
}

fn sexp_pat(p: &Pattern) -> String {
    match p {
        Pattern::Name(i) => i.name.to_string(),
        Pattern::Tuple(ps, _) => format!("({})", ps.iter().map(sexp_pat).collect::<Vec<_>>().join(" ")),
    }
}

fn sexp_ty(t: &TypeExpr) -> String {
    match &t.kind {
        TypeExprKind::Int => "int".into(),
        TypeExprKind::Float(d) => format!("{d:?}").to_lowercase(),
        TypeExprKind::Bool => "bool".into(),
        TypeExprKind::Str => "str".into(),
        TypeExprKind::Tensor { dtype, dims } => {
            let dims: Vec<String> = dims
                .iter()
                .map(|d| match d {
                    DimExpr::Known(n, _) => n.to_string(),
                    DimExpr::Name(i) => i.name.to_string(),
                    DimExpr::Unknown(_) => "?".into(),
                })
                .collect();
            let dtype = match dtype {
                ElemType::Float(d) => format!("{d:?}").to_lowercase(),
                ElemType::I64 => "i64".to_string(),
                ElemType::Bool => "bool".to_string(),
            };
            format!("{dtype}[{}]", dims.join(","))
        }
        TypeExprKind::Tuple(ts) => format!("({})", ts.iter().map(sexp_ty).collect::<Vec<_>>().join(",")),
        TypeExprKind::Fn { params, ret } => {
            format!("fn({})->{}", params.iter().map(sexp_ty).collect::<Vec<_>>().join(","), sexp_ty(ret))
        }
    }
}

fn sexp_index(i: &IndexArg) -> String {
    match i {
        IndexArg::Single(e) => sexp(e),
        IndexArg::Slice { start, stop, step, .. } => {
            let part = |e: &Option<Expr>| e.as_ref().map_or("_".to_string(), sexp);
            format!("(: {} {} {})", part(start), part(stop), part(step))
        }
    }
}

/// A compact literal as the tree of its numbers would read (whole numbers without `.0`).
fn sexp_numbers(shape: &[usize], values: &[f64]) -> String {
    match shape {
        [] => {
            let v = values[0];
            if v.fract() == 0.0 && v.abs() < 1e15 && !(v == 0.0 && v.is_sign_negative()) {
                format!("{}", v as i64)
            } else {
                format!("{v:?}")
            }
        }
        [n, rest @ ..] => {
            let size = values.len() / n;
            let rows: Vec<String> = values.chunks(size.max(1)).map(|row| sexp_numbers(rest, row)).collect();
            format!("[{}]", rows.join(" "))
        }
    }
}

fn sexp(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Int(n) => n.to_string(),
        ExprKind::Float { f64, .. } => format!("{f64:?}"),
        ExprKind::Bool(b) => b.to_string(),
        ExprKind::Str(s) => format!("{s:?}"),
        ExprKind::FString(parts) => {
            let parts: Vec<String> = parts
                .iter()
                .map(|p| match p {
                    FPart::Text(t) => format!("{t:?}"),
                    FPart::Field { value, conversion, spec, .. } => {
                        let conv = conversion.map_or("", |r| if r { "!r" } else { "!s" });
                        let spec = spec.as_ref().map_or(String::new(), |(s, _)| format!(":{s}"));
                        format!("{{{}{conv}{spec}}}", sexp(value))
                    }
                })
                .collect();
            format!("(f {})", parts.join(" "))
        }
        ExprKind::Name(i) => i.name.to_string(),
        ExprKind::Tensor(items) => format!("[{}]", items.iter().map(sexp).collect::<Vec<_>>().join(" ")),
        ExprKind::Numbers(n) => sexp_numbers(&n.shape, &n.f64),
        ExprKind::Tuple(items) => format!("(tuple {})", items.iter().map(sexp).collect::<Vec<_>>().join(" ")),
        ExprKind::Unary { op, operand } => {
            format!("({} {})", if *op == UnaryOp::Neg { "neg" } else { "not" }, sexp(operand))
        }
        ExprKind::Binary { op, lhs, rhs } => format!("({} {} {})", op.symbol(), sexp(lhs), sexp(rhs)),
        ExprKind::Call { callee, args } => {
            let args: Vec<String> = args
                .iter()
                .map(|a| match &a.name {
                    Some(n) => format!("{}={}", n.name, sexp(&a.value)),
                    None => sexp(&a.value),
                })
                .collect();
            format!("(call {} {})", sexp(callee), args.join(" "))
        }
        ExprKind::Index { target, indices } => {
            format!("(index {} {})", sexp(target), indices.iter().map(sexp_index).collect::<Vec<_>>().join(" "))
        }
        ExprKind::Field { target, field } => format!("(. {} {})", sexp(target), field.name),
        ExprKind::If { cond, then, otherwise } => match otherwise {
            Some(o) => format!("(if {} {} {})", sexp(cond), sexp_block(then), sexp(o)),
            None => format!("(if {} {})", sexp(cond), sexp_block(then)),
        },
        ExprKind::Block(b) => sexp_block(b),
        ExprKind::Lambda(def) => format!("(lambda {})", sexp_fn(def)),
    }
}

/// Parses `src` and renders it, panicking with the diagnostic on failure.
fn p(src: &str) -> String {
    match parse(src, 0) {
        Ok(program) => sexp_program(&program),
        Err(d) => panic!("{src:?} failed: {} at {:?}", d.message, d.span()),
    }
}

/// Parses `src`, which must fail, and returns the diagnostic.
fn err(src: &str) -> Diag {
    match parse(src, 0) {
        Ok(program) => panic!("{src:?} parsed: {}", sexp_program(&program)),
        Err(d) => d,
    }
}

/// The first statement's expression.
fn expr_of(src: &str) -> Expr {
    let program = parse(src, 0).unwrap_or_else(|d| panic!("{src:?} failed: {}", d.message));
    match program.stmts.into_iter().next().map(|s| s.kind) {
        Some(StmtKind::Expr(e)) => e,
        Some(StmtKind::Let { value, .. }) => value,
        other => panic!("{src:?} is not an expression statement: {other:?}"),
    }
}

fn span(start: u32, end: u32) -> Span {
    Span { start, end }
}

fn code_message_span(src: &str) -> (Code, String, Span) {
    let d = err(src);
    (d.code, d.message.clone(), d.span().expect("a placed diagnostic"))
}

// ---- statements ----

#[test]
fn let_statements() {
    assert_eq!(p("let x = 1"), "(let x 1)");
    assert_eq!(p("let W: f64[K, N] = w"), "(let W : f64[K,N] w)");
    assert_eq!(p("let v: f32[2, ?] = w"), "(let v : f32[2,?] w)");
    assert_eq!(p("let m: bool[3,] = w"), "(let m : bool[3] w)");
    assert_eq!(p("let n: int = 3"), "(let n : int 3)");
    assert_eq!(p("let s: str = \"a\""), "(let s : str \"a\")");
    assert_eq!(p("let t: (int, f64) = u"), "(let t : (int,f64) u)");
    assert_eq!(p("let t: (int,) = u"), "(let t : (int) u)");
    assert_eq!(p("let t: (f64) = u"), "(let t : f64 u)");
    assert_eq!(p("let g: fn(f64, f64) -> f64 = h"), "(let g : fn(f64,f64)->f64 h)");
    assert_eq!(p("let g: fn() -> fn(int) -> bool = h"), "(let g : fn()->fn(int)->bool h)");
    assert_eq!(p("let (U, S, Vt) = svd(A)"), "(let (U S Vt) (call svd A))");
    assert_eq!(p("let (a, (b, c)) = t"), "(let (a (b c)) t)");
    assert_eq!(p("let (a,) = t"), "(let (a) t)");
    assert_eq!(p("let (a) = t"), "(let a t)");
}

#[test]
fn assignments() {
    assert_eq!(p("x = 1"), "(= x 1)");
    assert_eq!(p("x += 1"), "(+= x 1)");
    assert_eq!(p("x -= 1"), "(-= x 1)");
    assert_eq!(p("x *= 2"), "(*= x 2)");
    assert_eq!(p("x /= 2"), "(/= x 2)");
    assert_eq!(p("W -= 0.0001 * dcost(W)"), "(-= W (* 0.0001 (call dcost W)))");
    assert_eq!(p("A[i, j] = 0"), "(= (index A i j) 0)");
    assert_eq!(p("A[0:10, :] = B"), "(= (index A (: 0 10 _) (: _ _ _)) B)");
    assert_eq!(p("A[i] += 1"), "(+= (index A i) 1)");
    let program = parse("A[i] *= 2", 0).unwrap();
    match &program.stmts[0].kind {
        StmtKind::IndexAssign { target, op, .. } => {
            assert_eq!(&*target.name, "A");
            assert_eq!(target.span, span(0, 1));
            assert_eq!(*op, Some(AssignOp::Mul));
        }
        other => panic!("{other:?}"),
    }
    // `==` is a comparison, not an assignment.
    assert_eq!(p("x == 1"), "(== x 1)");
    assert_eq!(p("A[i] == 1"), "(== (index A i) 1)");
}

#[test]
fn functions() {
    assert_eq!(p("fn f(x) = x + 1"), "(fn f (x) (+ x 1))");
    assert_eq!(p("fn cost(W) = sum((X @ W - Y) ^ 2)"), "(fn cost (W) (call sum (^ (- (@ X W) Y) 2)))");
    assert_eq!(p("fn f(W: f64[K, N], lr) { W - lr }"), "(fn f (W:f64[K,N] lr) {(- W lr)})");
    assert_eq!(p("fn f(x,) -> f64 = x"), "(fn f (x) -> f64 x)");
    assert_eq!(p("fn f() -> (int, f64) { return (1, 2.0) }"), "(fn f () -> (int,f64) {(return (tuple 1 2.0))})");
    assert_eq!(p("fn apply(g: fn(f64) -> f64, x) = g(x)"), "(fn apply (g:fn(f64)->f64 x) (call g x))");
    assert_eq!(p("fn f(x) {\n  if x < 0 { return }\n  x\n}"), "(fn f (x) {(if (< x 0) {(return)}) x})");
    let program = parse("fn f(x) { x }", 0).unwrap();
    let StmtKind::Fn(def) = &program.stmts[0].kind else { panic!() };
    assert!(matches!(def.body.kind, ExprKind::Block(_)));
    assert_eq!(def.body.span, span(8, 13));
    assert_eq!(def.span, span(0, 13));
    assert_eq!(def.name.as_ref().unwrap().span, span(3, 4));
}

#[test]
fn control_flow() {
    assert_eq!(p("while x < 3 { x += 1 }"), "(while (< x 3) {(+= x 1)})");
    assert_eq!(p("for i in 0..iters { W -= g }"), "(for i 0 .. iters {(-= W g)})");
    assert_eq!(p("for i in 1..=n {}"), "(for i 1 ..= n {})");
    assert_eq!(p("for i in 0..n+1 { }"), "(for i 0 .. (+ n 1) {})");
    assert_eq!(p("for i in a.x..b.y {}"), "(for i (. a x) .. (. b y) {})");
    assert_eq!(
        p("while true { if done { break } else { continue } }"),
        "(while true {(if done {(break)} {(continue)})})"
    );
    assert_eq!(p("return"), "(return)");
    assert_eq!(p("return x * 2"), "(return (* x 2))");
    assert_eq!(p("fn f() {\n  return\n  1\n}"), "(fn f () {(return) 1})");
}

#[test]
fn directives() {
    assert_eq!(p("threads 4"), "(threads 4)");
    assert_eq!(p("threads auto"), "(threads auto)");
    assert_eq!(p("threads n * 2"), "(threads (* n 2))");
    assert_eq!(p("threads 2 { X @ X }"), "(threads 2 {(@ X X)})");
    assert_eq!(p("threads auto {\n  f()\n}"), "(threads auto {(call f )})");
    assert_eq!(p("threads auto_count"), "(threads auto_count)");
    assert_eq!(p("seed 1"), "(seed 1)");
    assert_eq!(p("seed k + 1"), "(seed (+ k 1))");
    assert_eq!(p("dtype f32"), "(dtype F32)");
    assert_eq!(p("dtype f64"), "(dtype F64)");
    assert_eq!(p("import \"lib/a.tsc\""), "(import \"lib/a.tsc\")");
    assert_eq!(p("import \"a.tsc\" as m"), "(import \"a.tsc\" as m)");
    // Elsewhere `import` and `as` are names.
    assert_eq!(p("import = as + 1"), "(= import (+ as 1))");
}

// ---- expressions ----

#[test]
fn precedence() {
    assert_eq!(p("-x^2"), "(neg (^ x 2))");
    assert_eq!(p("a + b * c"), "(+ a (* b c))");
    assert_eq!(p("a * b + c"), "(+ (* a b) c)");
    assert_eq!(p("a @ b * c"), "(* (@ a b) c)");
    assert_eq!(p("a * b @ c"), "(@ (* a b) c)");
    assert_eq!(p("a / b % c"), "(% (/ a b) c)");
    assert_eq!(p("a - b - c"), "(- (- a b) c)");
    assert_eq!(p("2^3^2"), "(^ 2 (^ 3 2))");
    assert_eq!(p("2^-1"), "(^ 2 (neg 1))");
    assert_eq!(p("2^-1*3"), "(* (^ 2 (neg 1)) 3)");
    assert_eq!(p("a ^ -b ^ c"), "(^ a (neg (^ b c)))");
    assert_eq!(p("-a * b"), "(* (neg a) b)");
    assert_eq!(p("a - -b"), "(- a (neg b))");
    assert_eq!(p("- - x"), "(neg (neg x))");
    assert_eq!(p("-x.T"), "(neg (. x T))");
    assert_eq!(p("-f(x)[0]^2"), "(neg (^ (index (call f x) 0) 2))");
    assert_eq!(p("not a and b"), "(and (not a) b)");
    assert_eq!(p("not not a"), "(not (not a))");
    assert_eq!(p("a or b and c"), "(or a (and b c))");
    assert_eq!(p("a and b or c and d"), "(or (and a b) (and c d))");
    assert_eq!(p("a < b + 1"), "(< a (+ b 1))");
    assert_eq!(p("a == b and c != d"), "(and (== a b) (!= c d))");
    assert_eq!(p("x % 2 == 0 or x >= 10"), "(or (== (% x 2) 0) (>= x 10))");
    assert_eq!(p("a <= b"), "(<= a b)");
    assert_eq!(p("a > -1"), "(> a (neg 1))");
    assert_eq!(p("(a < b) == c"), "(== (< a b) c)");
    assert_eq!(p("(a + b) * c"), "(* (+ a b) c)");
    assert_eq!(p("X.T @ (X @ W - Y)"), "(@ (. X T) (- (@ X W) Y))");
}

#[test]
fn comparisons_do_not_chain() {
    let d = err("a < b < c");
    assert_eq!(d.code, Code::Parse);
    assert_eq!(d.message, "comparisons cannot be chained");
    assert_eq!(d.span(), Some(span(6, 7)));
    assert_eq!(d.labels[1].0, span(0, 5));
    assert!(d.help.unwrap().contains("and"));
    assert_eq!(err("a == b != c").message, "comparisons cannot be chained");
}

#[test]
fn literals() {
    assert_eq!(p("2000"), "2000");
    assert_eq!(p("1_000"), "1000");
    assert_eq!(p("1_000_000 + 0"), "(+ 1000000 0)");
    assert_eq!(p("9223372036854775807"), "9223372036854775807");
    assert_eq!(p("0.5"), "0.5");
    assert_eq!(p("2."), "2.0");
    assert_eq!(p("1e-4"), "0.0001");
    assert_eq!(p("3E+2"), "300.0");
    assert_eq!(p("1.5e3"), "1500.0");
    assert_eq!(p("1.e3"), "1000.0");
    assert_eq!(p("1_000.5"), "1000.5");
    assert_eq!(p("2.*x"), "(* 2.0 x)");
    assert_eq!(p("true"), "true");
    assert_eq!(p("false"), "false");
    assert_eq!(p(r#""a\n\t\"b\\""#), r#""a\n\t\"b\\""#);
    assert_eq!(p(r#""a # not a comment; nor a separator""#), r#""a # not a comment; nor a separator""#);
    assert_eq!(p(r#""héllo""#), r#""héllo""#);
}

#[test]
fn floats_keep_both_precisions() {
    match expr_of("0.1").kind {
        ExprKind::Float { f64, f32 } => {
            assert_eq!(f64, 0.1f64);
            assert_eq!(f32, 0.1f32);
            assert_ne!(f64, f32 as f64);
        }
        other => panic!("{other:?}"),
    }
    match expr_of("16_777_217.0").kind {
        ExprKind::Float { f64, f32 } => assert_eq!((f64, f32), (16777217.0, 16777216.0)),
        other => panic!("{other:?}"),
    }
    match expr_of("1e40").kind {
        ExprKind::Float { f64, f32 } => assert_eq!((f64, f32), (1e40, f32::INFINITY)),
        other => panic!("{other:?}"),
    }
}

#[test]
fn ranges_are_not_floats() {
    // `0..10` is int, `..`, int; `2.` is a float only when no `.` or name follows.
    assert_eq!(p("for i in 0..10 {}"), "(for i 0 .. 10 {})");
    assert_eq!(p("for i in 0..=10 {}"), "(for i 0 ..= 10 {})");
    assert_eq!(p("x = 2.\ny = 2.5"), "(= x 2.0) (= y 2.5)");
}

#[test]
fn overflowing_ints() {
    let (code, message, at) = code_message_span("let x = 9223372036854775808");
    assert_eq!(code, Code::ParseNumber);
    assert_eq!(message, "this integer does not fit in 64 bits");
    assert_eq!(at, span(8, 27));
    assert_eq!(err("-9223372036854775808").code, Code::ParseNumber);
    assert_eq!(err("f(1_000_000_000_000_000_000_000)").code, Code::ParseNumber);
    assert_eq!(err("let x: f64[99999999999999999999] = y").code, Code::ParseNumber);
}

#[test]
fn names_calls_and_fields() {
    assert_eq!(p("f32(x)"), "(call f32 x)");
    assert_eq!(
        p("int(x) + float(y) + str(z) + bool + auto"),
        "(+ (+ (+ (+ (call int x) (call float y)) (call str z)) bool) auto)"
    );
    assert_eq!(p("_a1"), "_a1");
    assert_eq!(p("clock()"), "(call clock )");
    assert_eq!(p("sum(x, axis=0, keepdims=true)"), "(call sum x axis=0 keepdims=true)");
    assert_eq!(p("f(a == b, c)"), "(call f (== a b) c)");
    assert_eq!(p("f(1, 2,)"), "(call f 1 2)");
    assert_eq!(p("grad(f)(W)"), "(call (call grad f) W)");
    assert_eq!(p("A.T"), "(. A T)");
    assert_eq!(p("A.shape[0]"), "(index (. A shape) 0)");
    assert_eq!(p("shape(A)[0]"), "(index (call shape A) 0)");
    assert_eq!(p("(f)(x)"), "(call f x)");
    assert_eq!(p("letter + iffy + notice"), "(+ (+ letter iffy) notice)");
}

#[test]
fn indexing_and_slices() {
    assert_eq!(p("A[i, 1:3, ::2, :]"), "(index A i (: 1 3 _) (: _ _ 2) (: _ _ _))");
    assert_eq!(p("A[1:]"), "(index A (: 1 _ _))");
    assert_eq!(p("A[:-1]"), "(index A (: _ (neg 1) _))");
    assert_eq!(p("A[::-1]"), "(index A (: _ _ (neg 1)))");
    assert_eq!(p("A[a:b:s]"), "(index A (: a b s))");
    assert_eq!(p("A[a::s]"), "(index A (: a _ s))");
    assert_eq!(p("A[a:b:]"), "(index A (: a b _))");
    assert_eq!(p("A[0][1]"), "(index (index A 0) 1)");
    assert_eq!(p("A[-1]"), "(index A (neg 1))");
    assert_eq!(p("A[i,]"), "(index A i)");
    let e = expr_of("A[1 : 2, :]");
    let ExprKind::Index { indices, .. } = e.kind else { panic!() };
    let IndexArg::Slice { span: s0, .. } = &indices[0] else { panic!() };
    let IndexArg::Slice { span: s1, .. } = &indices[1] else { panic!() };
    assert_eq!((*s0, *s1), (span(2, 7), span(9, 10)));
}

#[test]
fn tuples_and_tensors() {
    assert_eq!(p("(a, b)"), "(tuple a b)");
    assert_eq!(p("(a,)"), "(tuple a)");
    assert_eq!(p("()"), "(tuple )");
    assert_eq!(p("(a)"), "a");
    assert_eq!(p("((a))"), "a");
    assert_eq!(p("[1, 2, 3]"), "[1 2 3]");
    assert_eq!(p("[[1, 2], [3, 4]]"), "[[1 2] [3 4]]");
    assert_eq!(p("[1, 2,]"), "[1 2]");
    assert_eq!(p("[]"), "[]");
    assert_eq!(p("[-1, x + 1]"), "[(neg 1) (+ x 1)]");
}

#[test]
fn if_expressions() {
    assert_eq!(p("let s = if x > 0 { 1 } else { -1 }"), "(let s (if (> x 0) {1} {(neg 1)}))");
    assert_eq!(p("if a { 1 }"), "(if a {1})");
    assert_eq!(p("if a { 1 } else if b { 2 } else { 3 }"), "(if a {1} (if b {2} {3}))");
    assert_eq!(p("if a { 1 } else if b { 2 }"), "(if a {1} (if b {2}))");
    assert_eq!(p("1 + if a { 1 } else { 2 } * 3"), "(+ 1 (* (if a {1} {2}) 3))");
    let e = expr_of("if a { 1 } else if b { 2 } else { 3 }");
    assert_eq!(e.span, span(0, 37));
    let ExprKind::If { otherwise: Some(inner), .. } = e.kind else { panic!() };
    assert_eq!(inner.span, span(16, 37));
    let ExprKind::If { otherwise: Some(last), .. } = inner.kind else { panic!() };
    assert!(matches!(last.kind, ExprKind::Block(_)));
    assert_eq!(last.span, span(32, 37));
}

#[test]
fn lambdas() {
    assert_eq!(p("|x| x ^ 2"), "(lambda (x) (^ x 2))");
    assert_eq!(p("|a, b| { let c = a + b; c * c }"), "(lambda (a b) {(let c (+ a b)) (* c c)})");
    assert_eq!(p("|| 1"), "(lambda () 1)");
    assert_eq!(p("| | 1"), "(lambda () 1)");
    assert_eq!(p("|x: f64, n: int| x * n"), "(lambda (x:f64 n:int) (* x n))");
    assert_eq!(p("|x| |y| x + y"), "(lambda (x) (lambda (y) (+ x y)))");
    assert_eq!(p("|x| x or y and z"), "(lambda (x) (or x (and y z)))");
    assert_eq!(p("grad(|x| x ^ 2, 0)"), "(call grad (lambda (x) (^ x 2)) 0)");
    assert_eq!(p("let f = |x| if x { 1 } else { 2 }"), "(let f (lambda (x) (if x {1} {2})))");
    assert_eq!(p("f(|x| {\n  let y = x\n  y\n})"), "(call f (lambda (x) {(let y x) y}))");
}

// ---- newlines ----

#[test]
fn newline_rules() {
    assert_eq!(p("let a = 1 +\n 2"), "(let a (+ 1 2))");
    assert_eq!(p("let a = 1 *\n\n# comment\n\n 2"), "(let a (* 1 2))");
    assert_eq!(p("x\n-1"), "x (neg 1)");
    assert_eq!(p("x\n- 1"), "x (neg 1)");
    assert_eq!(p("f(1,\n 2)"), "(call f 1 2)");
    assert_eq!(p("f(\n  1\n  , 2\n)"), "(call f 1 2)");
    assert_eq!(p("(x\n-1)"), "(- x 1)");
    assert_eq!(p("[[1, 2],\n [3, 4]]"), "[[1 2] [3 4]]");
    assert_eq!(p("let b = x and\n y"), "(let b (and x y))");
    assert_eq!(p("let b = x ==\n y"), "(let b (== x y))");
    assert_eq!(p("let f = |x|\n x"), "(let f (lambda (x) x))");
    assert_eq!(p("let a =\n 5"), "(let a 5)");
    assert_eq!(p("x = 1; y = 2"), "(= x 1) (= y 2)");
    assert_eq!(p("x = 1;;\n;y = 2;"), "(= x 1) (= y 2)");
    assert_eq!(p("\n\n# header\n\nlet a = 1 # trailing\n\n\nlet b = 2\n\n"), "(let a 1) (let b 2)");
    assert_eq!(p("let a = 1\r\nlet b = 2\r\n"), "(let a 1) (let b 2)");
    assert_eq!(p(""), "");
    assert_eq!(p("# only a comment"), "");
    assert_eq!(p("fn f() {\n\n  let a = 1\n\n  a\n\n}"), "(fn f () {(let a 1) a})");
    assert_eq!(p("fn f() { a; b; }"), "(fn f () {a b})");
    assert_eq!(p("if c {\n  1\n}\nelse {\n  2\n}"), "(if c {1} {2})");
    assert_eq!(p("if c { 1 }\n\n# why\nelse if d { 2 }\nelse { 3 }"), "(if c {1} (if d {2} {3}))");
    assert_eq!(p("elsewhere\nelse_x"), "elsewhere else_x");
    assert_eq!(p("if c { 1 } else\n{ 2 }"), "(if c {1} {2})");
    assert_eq!(p("while c {\n  x = (1 +\n  2)\n  y\n}"), "(while c {(= x (+ 1 2)) y})");
    assert_eq!(p("A[1,\n 2]"), "(index A 1 2)");
    assert_eq!(p("x = \"(\"\ny = 1"), "(= x \"(\") (= y 1)");
    assert_eq!(p("x = 1 # (\ny = 1"), "(= x 1) (= y 1)");
}

#[test]
fn the_benchmark_script_parses() {
    let src = "# Linear regression by gradient descent (the Theano benchmark).
threads 4
seed 1

let M = 2000
let N = 500
let K = 2000
let iters = 30

let X  = randn(M, K)
let W0 = randn(K, N)
let Y  = X @ W0
let W  = randn(K, N) / (K + N)

fn cost(W) = sum((X @ W - Y) ^ 2)
let dcost = grad(cost)

dcost(W)                      # warm-up, like the grace iteration
let t0 = clock()
for i in 0..iters {
    W -= 0.0001 * dcost(W)
}
print(clock() - t0)
print(mean((W0 - W) ^ 2))     # about 0.11, as in the benchmark
";
    let program = parse(src, 0).unwrap();
    assert_eq!(program.stmts.len(), 17);
    assert_eq!(sexp_stmt(&program.stmts[10]), "(fn cost (W) (call sum (^ (- (@ X W) Y) 2)))");
    assert_eq!(sexp_stmt(&program.stmts[14]), "(for i 0 .. iters {(-= W (* 0.0001 (call dcost W)))})");
    let last = &program.stmts[16];
    assert_eq!(&src[last.span.start as usize..last.span.end as usize], "print(mean((W0 - W) ^ 2))");
}

// ---- spans ----

#[test]
fn spans_cover_exactly_their_text() {
    let program = parse("let x = a + b   # sum", 0).unwrap();
    let stmt = &program.stmts[0];
    assert_eq!(stmt.span, span(0, 13));
    let StmtKind::Let { pattern: Pattern::Name(name), value, .. } = &stmt.kind else { panic!() };
    assert_eq!(name.span, span(4, 5));
    assert_eq!(value.span, span(8, 13));
    let ExprKind::Binary { lhs, rhs, .. } = &value.kind else { panic!() };
    assert_eq!((lhs.span, rhs.span), (span(8, 9), span(12, 13)));

    // Parentheses belong to the enclosing node, not to the one inside them.
    let e = expr_of("(a + b) * c");
    assert_eq!(e.span, span(0, 11));
    let ExprKind::Binary { lhs, .. } = &e.kind else { panic!() };
    assert_eq!(lhs.span, span(1, 6));

    let e = expr_of("f(a, b)  ");
    assert_eq!(e.span, span(0, 7));
    let e = expr_of("-x ^ 2");
    assert_eq!(e.span, span(0, 6));
    let e = expr_of("|x| x + 1 ");
    assert_eq!(e.span, span(0, 9));
    let ExprKind::Lambda(def) = &e.kind else { panic!() };
    assert_eq!((def.span, def.params[0].name.span, def.body.span), (span(0, 9), span(1, 2), span(4, 9)));
    let e = expr_of("A.T ");
    assert_eq!(e.span, span(0, 3));
    let e = expr_of("A[i] ");
    assert_eq!(e.span, span(0, 4));
    let e = expr_of("\"s\" ");
    assert_eq!(e.span, span(0, 3));
    let e = expr_of("let y = 1 +\n 2.5");
    assert_eq!(e.span, span(8, 16));

    let program = parse("x = 1;  y += 2 \n while c { }  ", 0).unwrap();
    let spans: Vec<Span> = program.stmts.iter().map(|s| s.span).collect();
    assert_eq!(spans, vec![span(0, 5), span(8, 14), span(17, 28)]);

    let program = parse("return  ; threads auto ; dtype f32 ; seed 3 ; for i in 0..2 {}", 0).unwrap();
    let spans: Vec<Span> = program.stmts.iter().map(|s| s.span).collect();
    assert_eq!(spans, vec![span(0, 6), span(10, 22), span(25, 34), span(37, 43), span(46, 62)]);

    let program = parse("let t: f64[K, ?] = u", 0).unwrap();
    let StmtKind::Let { ty: Some(ty), .. } = &program.stmts[0].kind else { panic!() };
    assert_eq!(ty.span, span(7, 16));
    let TypeExprKind::Tensor { dims, .. } = &ty.kind else { panic!() };
    assert!(matches!(dims[0], DimExpr::Name(ref n) if n.span == span(11, 12)));
    assert!(matches!(dims[1], DimExpr::Unknown(s) if s == span(14, 15)));
}

#[test]
fn base_offsets_every_span() {
    let program = parse("\nlet x = f(1)", 100).unwrap();
    assert_eq!(program.stmts[0].span, span(101, 113));
    let e = expr_of("x");
    assert_eq!(e.span, span(0, 1));
    let d = parse("x = ", 50).unwrap_err();
    assert_eq!(d.span(), Some(span(52, 53)));
    let d = parse("let a = 1\nlet b = 99999999999999999999", 1000).unwrap_err();
    assert_eq!(d.span(), Some(span(1018, 1038)));
}

/// Limits and error messages.
#[path = "parse_tests/limits_and_errors.rs"]
mod limits_and_errors;
