R # Statements of spec section 4: let, shadowing, assignment, compound assignment, if, loops.
R let x = 1
R let x = x + 0.5     # a later let shadows, and may change the type
R print(x)
O 1.5
R let y: f64 = 2.0
R y = y * 3
R print(y)
O 6.0
R let n = 10; n = n - 1; print(n)
O 9
R # compound assignment on scalars and tensors
R let k = 5
R k += 2; k -= 1; k *= 3
R print(k)
O 18
R let q = 9.0
R q /= 2
R print(q)
O 4.5
R let W = ones(2, 2)
R let G = [[1, 2], [3, 4]]
R W -= 0.5 * G
R print(W)
O [[0.5, 0.0], [-0.5, -1.0]]
R W += G
R W *= 2
R W /= [1, 2]
R print(W)
O [[3.0, 2.0], [5.0, 3.0]]
R W -= G * 0.5
R print(W)
O [[2.5, 1.0], [3.5, 1.0]]
R # a statement may go on over lines inside brackets, after a binary operator, or after a comma
R let long = 1 +
R     2 *
R     3
R let list = [1,
R             2]
R print(long, list)
O 7 [1, 2]
R # if is an expression; else if chains; a block's value is its last expression
R let s = if x > 0 { 1 } else { -1 }
R print(s)
O 1
R fn classify(v) = if v < 0 { "negative" } else if v == 0 { "zero" } else { "positive" }
R print(classify(-2), classify(0), classify(3.5))
O negative zero positive
R if false { print("not printed") }
R if 1 < 2 { print("then") } else { print("else") }
O then
R let inner = if true { let t = 20; t + 1 } else { 0 }
R print(inner)
O 21
R # while, break, continue
R let i = 0
R let total = 0
R while i < 10 {
R     i += 1
R     if i % 2 == 0 { continue }
R     if i > 7 { break }
R     total += i
R }
R print(i, total)
O 9 16
R # for over A..B (B excluded) and A..=B (B included)
R let acc = 0
R for j in 0..5 { acc += j }
R print(acc)
O 10
R acc = 0
R for j in 1..=5 { acc += j }
R print(acc)
O 15
R for j in 3..3 { print("never") }
R for j in 3..=3 { print("once", j) }
O once 3
R for j in 5..2 { print("never") }
R let lo = -2
R for j in lo..lo + 3 { print(j) }
O -2
O -1
O 0
R for j in 0..100 {
R     if j == 1 { continue }
R     if j == 3 { break }
R     print("j", j)
R }
O j 0
O j 2
R # nested loops: break leaves the innermost loop only
R let pairs = 0
R for a in 0..3 {
R     for b in 0..3 {
R         if b > a { break }
R         pairs += 1
R     }
R }
R print(pairs)
O 6
R # a block introduces a scope: a let inside does not leak, and shadows only inside
R let z = "outer"
R if true {
R     let z = "inner"
R     print(z)
R }
R print(z)
O inner
O outer
R # assignment inside a block updates the outer variable
R let counter = 0
R if true { counter = counter + 1 }
R for q in 0..3 { counter += 1 }
R print(counter)
O 4
R # an expression on its own is a statement; its value is discarded
R 1 + 2
R [1, 2, 3]
R # semicolons separate statements on one line
R let p = 1; let r = 2; print(p + r)
O 3
R assert(1 + 1 == 2)
R assert(true, "message not shown")
R assert(all(arange(0, 3) < 3), "all in range")
R # an inclusive range runs up to the largest int without overflowing
R for i in 9223372036854775806..=9223372036854775807 { print(i) }
O 9223372036854775806
O 9223372036854775807
