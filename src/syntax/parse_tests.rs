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
        StmtKind::Dtype(d) => format!("(dtype {d:?})"),
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
            let dtype = dtype.map_or("bool".to_string(), |d| format!("{d:?}").to_lowercase());
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

fn sexp(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Int(n) => n.to_string(),
        ExprKind::Float { f64, .. } => format!("{f64:?}"),
        ExprKind::Bool(b) => b.to_string(),
        ExprKind::Str(s) => format!("{s:?}"),
        ExprKind::Name(i) => i.name.to_string(),
        ExprKind::Tensor(items) => format!("[{}]", items.iter().map(sexp).collect::<Vec<_>>().join(" ")),
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

#[test]
fn scratch() {
    let kb: usize = std::env::var("KB").unwrap().parse().unwrap();
    let n: usize = std::env::var("N").unwrap().parse().unwrap();
    let which = std::env::var("W").unwrap();
    let (open, close) = match which.as_str() {
        "t" => ("[", "]"),
        "p" => ("(", ")"),
        "c" => ("f(", ")"),
        "i" => ("if c {", "}"),
        "l" => ("|x| {", "}"),
        "x" => ("a[", "]"),
        _ => ("-(", ")"),
    };
    let src = format!("{}1{}", open.repeat(n), close.repeat(n));
    let full = std::env::var("FULL").is_ok();
    let h = std::thread::Builder::new()
        .stack_size(kb * 1024)
        .spawn(move || {
            if full {
                format!("{:?}", parse(&src, 0).err().map(|d| d.message))
            } else {
                format!("{:?}", Grammar::parse(Rule::line, &src).err())
            }
        })
        .unwrap();
    println!("RESULT {}", h.join().unwrap());
}
