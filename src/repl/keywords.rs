//! `:help KEYWORD`: what each keyword of the language does, in a few lines with an example
//! (the operators `and`, `or` and `not` are rows of the built-in table instead).

/// One keyword's help: what it does, and an example that runs.
pub struct Keyword {
    /// The keyword.
    pub name: &'static str,
    /// What it does, in a few lines.
    pub text: &'static str,
    /// A runnable example (several lines allowed).
    pub example: &'static str,
}

/// Every keyword that is not an operator, in the order the language reference presents them.
pub const KEYWORDS: &[Keyword] = &[
    Keyword {
        name: "let",
        text: "`let NAME = EXPR` declares a variable in the current block (`let NAME: TYPE = EXPR` with a\n\
               type, checked). A later `let` of the same name makes a new variable that shadows it;\n\
               `NAME = EXPR` (no `let`) assigns to the existing one and keeps its type.",
        example: "let w = zeros(3)\nlet (a, b) = (1, 2.5)\nw = w + a",
    },
    Keyword {
        name: "fn",
        text: "`fn NAME(PARAMS) = EXPR` or `fn NAME(PARAMS) { BODY }` defines a function; parameters and\n\
               the result may carry types (`fn f(x: f64[3]) -> f64`). A function sees the variables of\n\
               the enclosing scopes as they are when it is called. `|x| EXPR` is an anonymous function.",
        example: "fn loss(w) = sum(w ^ 2)\nlet g = grad(loss)([1.0, 2.0])\nlet square = |x| x * x",
    },
    Keyword {
        name: "return",
        text: "`return EXPR` (or `return` alone, for `()`) leaves the function at once with that value;\n\
               without it a function's value is its body's last expression.",
        example: "fn safe_div(a, b) {\n    if b == 0 { return 0.0 }\n    a / b\n}\nprint(safe_div(1, 0))",
    },
    Keyword {
        name: "if",
        text: "`if COND { ... } else if COND { ... } else { ... }`: the condition must be a bool scalar\n\
               (`any(...)`/`all(...)` reduce a bool tensor). It is an expression too:\n\
               `let s = if x > 0 { 1 } else { -1 }`.",
        example: "let x = -2\nlet s = if x > 0 { 1 } else { -1 }\nif s < 0 { print(\"negative\") }",
    },
    Keyword {
        name: "else",
        text: "`else { ... }` or `else if COND { ... }` after an `if` block: what runs when the\n\
               condition is false. An `if` used as a value needs its `else`.",
        example: "let n = 7\nprint(if n % 2 == 0 { \"even\" } else { \"odd\" })",
    },
    Keyword {
        name: "for",
        text: "`for i in A..B { ... }` runs the body for i = A, A+1, ..., B-1 (`A..=B` includes B); the\n\
               bounds are ints. A `let` inside the body makes a new variable each step: to update a\n\
               variable declared before the loop, assign it (`w -= lr * g`).",
        example: "let total = 0\nfor i in 1..=10 { total += i }\nprint(total)",
    },
    Keyword {
        name: "in",
        text: "`in` separates a `for` loop's variable from its range: `for i in 0..n { ... }`.",
        example: "for i in 0..3 { print(i) }",
    },
    Keyword {
        name: "while",
        text: "`while COND { ... }` runs the body as long as the bool condition holds, checking it\n\
               before each step.",
        example: "let n = 0\nwhile n * n < 50 { n += 1 }\nprint(n)",
    },
    Keyword {
        name: "break",
        text: "`break` leaves the innermost `for` or `while` loop at once.",
        example: "for i in 0..100 {\n    if i * i > 20 { break }\n    print(i)\n}",
    },
    Keyword {
        name: "continue",
        text: "`continue` skips the rest of the body and goes on with the next step of the innermost\n\
               loop.",
        example: "for i in 0..6 {\n    if i % 2 == 0 { continue }\n    print(i)\n}",
    },
    Keyword {
        name: "true",
        text: "`true` and `false` are the two bool values; comparisons give bools, and conditions\n\
               must be bools.",
        example: "let big = 3 > 2\nprint(big == true, not big)",
    },
    Keyword {
        name: "false",
        text: "`false` and `true` are the two bool values; comparisons give bools, and conditions\n\
               must be bools.",
        example: "let small = 1 > 2\nprint(small == false)",
    },
    Keyword {
        name: "threads",
        text: "`threads N` sets the number of BLAS and element-wise threads from here on (`threads auto`:\n\
               all cores); `threads N { ... }` only inside the block. `--threads N` on the command\n\
               line overrides every directive; `nthreads()` says how many are in use.",
        example: "threads 1\nthreads 2 { print(nthreads()) }\nprint(nthreads())",
    },
    Keyword {
        name: "seed",
        text: "`seed N` reseeds the random generator: the same seed gives the same numbers on every\n\
               machine and at every thread count.",
        example: "seed 7\nlet a = randn(3)\nseed 7\nprint(all(a == randn(3)))",
    },
    Keyword {
        name: "dtype",
        text: "`dtype f32` / `dtype f64` sets the default float dtype of the literals and constructors\n\
               written after it, to the end of its block (Theano's floatX).",
        example: "if true {\n    dtype f32\n    print(ones(2))\n}",
    },
    Keyword {
        name: "precision",
        text: "`precision N` prints the floats of tensors with at most N digits after the point from here\n\
               on (NumPy's set_printoptions(precision=N)); `precision auto` goes back to the shortest\n\
               text that reads back. Only printing changes, never a value. A keyword only at the start of\n\
               a statement: `precision` stays usable as a name.",
        example: "precision 3\nprint([1.0 / 3.0, 2.0 / 3.0])\nprecision auto",
    },
    Keyword {
        name: "import",
        text: "`import \"FILE.tsc\"` runs that file once and brings its functions and constants;\n\
               `import \"FILE.tsc\" as NAME` brings them as `NAME.f`. The path is relative to the\n\
               importing file's folder; the file is checked with the script. At the top level only.",
        example: "let import = 1  # a keyword only in an import statement",
    },
];

/// The keyword called `name`, if there is one.
pub fn keyword(name: &str) -> Option<&'static Keyword> {
    KEYWORDS.iter().find(|k| k.name == name)
}

/// The text of `:help KEYWORD`.
pub fn help_text(k: &Keyword) -> String {
    let mut out = format!("keyword {}\n", k.name);
    for line in k.text.lines() {
        out.push_str(&format!("  {}\n", line.trim_start()));
    }
    out.push_str("  example:\n");
    for line in k.example.lines() {
        out.push_str(&format!("    {line}\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{blas::ThreadPolicy, Session};

    #[test]
    fn every_keyword_but_the_operators_has_help_that_runs() {
        let grammar = include_str!("../../grammar/tscript.pest");
        let start = grammar.find("keyword     = _{").expect("the keyword rule");
        let rule = &grammar[start..start + grammar[start..].find('}').expect("end of the rule")];
        let named: Vec<&str> = rule.split('"').skip(1).step_by(2).collect();
        assert!(named.len() >= 18, "{named:?}");
        for name in named {
            let operator = crate::prims::Builtin::all().any(|p| p.info().name == name);
            assert!(operator || keyword(name).is_some(), "no :help for the keyword `{name}`");
        }
        for k in KEYWORDS {
            let out = crate::Output::default();
            let mut session = Session::new(Box::new(out.clone()), Vec::new(), ThreadPolicy::new(Some(1)));
            let ran = session.run("example", k.example);
            assert!(ran.is_ok(), "the example of `{}` fails: {:?}", k.name, ran.err());
            assert!(session.take_warnings().is_empty());
            let text = help_text(k);
            assert!(text.starts_with(&format!("keyword {}\n  ", k.name)), "{text}");
            assert!(text.lines().all(|l| l.chars().count() <= 100), "{text}");
        }
    }
}
