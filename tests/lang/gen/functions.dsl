R # Functions: both forms, typed parameters and results, closures, recursion, lambdas.
R fn square(x) = x * x
R fn add(a, b) {
R     let c = a + b
R     c
R }
R fn typed(W: f64[2], lr: f64) -> f64[2] { W - lr * W }
R print(square(3), square(1.5), square([1, 2]))
O 9 2.25 [1, 4]
R print(add(1, 2), add(0.5, [1, 2]))
O 3 [1.5, 2.5]
R print(typed([1.0, 2.0], 0.5))
O [0.5, 1.0]
R # return leaves early; without it a function's value is its body's last expression
R fn first_over(v, limit) {
R     for i in 0..size(v) {
R         if v[i] > limit { return i }
R     }
R     -1
R }
R print(first_over([1, 5, 9], 4), first_over([1, 2], 10))
O 1 -1
R fn nothing() { let unused = 1 }
R print(nothing())
O ()
R # recursion, and mutual recursion (fn declarations are hoisted within their block)
R fn fact(n) = if n <= 1 { 1 } else { n * fact(n - 1) }
R print(fact(20))
O 2432902008176640000
R fn fib(n) = if n < 2 { n } else { fib(n - 1) + fib(n - 2) }
R print(fib(20))
O 6765
R fn is_even(n) = if n == 0 { true } else { is_odd(n - 1) }
R fn is_odd(n) = if n == 0 { false } else { is_even(n - 1) }
R print(is_even(10), is_odd(7))
O true true
R # a function sees the enclosing variables as they are when it is called
R let scale = 2
R fn scaled(x) = x * scale
R print(scaled(5))
O 10
R scale = 3
R print(scaled(5))
O 15
R let scale = 100    # a new variable: the function keeps seeing the one it was defined with
R print(scaled(5))
O 15
R # nested functions and closures that capture a local
R fn make_adder(n) {
R     fn adder(x) = x + n
R     adder
R }
R let add5 = make_adder(5)
R let add7 = make_adder(7)
R print(add5(1), add7(1))
O 6 8
R fn counter() {
R     let count = 0
R     |step| { count += step; count }
R }
R let tick = counter()
R tick(1)
R tick(2)
R print(tick(10))
O 13
R fn outer_fn(n) {
R     fn helper(k) = if k == 0 { 0 } else { n + helper(k - 1) }
R     helper(3)
R }
R print(outer_fn(4))
O 12
R # anonymous functions and higher-order functions
R let sq = |x| x ^ 2
R let hyp = |a, b| { let c = a * a + b * b; sqrt(c) }
R print(sq(4), hyp(3, 4))
O 16 5.0
R fn twice(f, x) = f(f(x))
R print(twice(sq, 3), twice(|s| s + 1, 0))
O 81 2
R fn compose(f, g) = |x| f(g(x))
R let h = compose(|x| x + 1, |x| x * 10)
R print(h(2))
O 21
R fn apply_all(f, v) {
R     let out = zeros(size(v))
R     for i in 0..size(v) { out[i] = f(v[i]) }
R     out
R }
R print(apply_all(|t| t * t + 1, [1, 2, 3]))
O [2.0, 5.0, 10.0]
R let curry = |a| |b| a - b
R print(curry(10)(3))
O 7
R print((|| 42)())
O 42
R # built-ins are values too
R let f = exp
R print(f(0.0), twice(sqrt, 16.0), apply_all(abs, [-1, 2]))
O 1.0 2.0 [1.0, 2.0]
R # an untyped parameter takes each call's argument type
R fn ident(v) = v
R print(ident(1), ident("s"), ident([true]), ident((1, 2)))
O 1 s [true] (1, 2)
