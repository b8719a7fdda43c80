R # Directives: seed, dtype, threads (spec section 4).
R # seed: the same seed gives the same numbers; another seed, others
R seed 42
R let a = randn(5)
R let u = rand(3)
R seed 42
R let b = randn(5)
R print(all(a == b), all(rand(3) == u))
O true true
R seed 43
R print(any(randn(5) != a))
O true
R seed 1
R let first = randn(2, 2)
R seed 1
R let again = reshape(randn(4), 2, 2)
R print(all(first == again))
O true
R # the generator runs on: two draws in a row differ
R print(all(randn(3) == randn(3)))
O false
R # dtype f32: literals and constructors are f32 from here on, to the end of the block
R if true {
R     dtype f32
R     let x = 0.1
R     print(x, f64(x))
R     print(f64(zeros(2) + 0.1))
R     print(f64(ones(1) / 3), f64(float(1) / 3))
R     print(f64(1 / 3))              # int / int is an f64, whatever the dtype
R     print(f64([0.1, 1]))           # a tensor literal takes the dtype too
R     print(f64(full(0.1, 1)), f64(eye(1)), f64(arange(0.1, 2)))
R     print(f64(linspace(0, 0.1, 2)), f64(sum(zeros(2))) == 0)
R     # a literal that meets an f64 tensor is read at f64: f64(a) * 0.1 multiplies by the f64 value of 0.1
R     let t = ones(2)
R     print(f64(t) * 0.1)
R     print(f64(t * 0.1))
R     # and one that meets an f32 tensor is read at f32, whatever the default dtype
R     fn g(x) = x * 0.1
R     print(f64(g(t)))
R }
O 0.1 0.10000000149011612
O [0.10000000149011612, 0.10000000149011612]
O [0.3333333432674408] 0.3333333432674408
O 0.3333333333333333
O [0.10000000149011612, 1.0]
O [0.10000000149011612] [[1.0]] [0.10000000149011612, 1.100000023841858]
O [0.0, 0.10000000149011612] true
O [0.1, 0.1]
O [0.10000000149011612, 0.10000000149011612]
O [0.10000000149011612, 0.10000000149011612]
R print(0.1, f64(0.1) == 0.1)     # the block ended: back to f64
O 0.1 true
R fn lit() = 0.1
R dtype f32
R fn lit32() = 0.1
R print(f64(lit()), f64(lit32()))  # each literal keeps the dtype where it is written
O 0.1 0.10000000149011612
R print(f64(0.5 + 0.25), f64(sum(ones(3))))
O 0.75 3.0
R let w = randn(2)
R w -= 0.1 * w                      # scalars adapt: w stays f32
R print(f64(f32(w)) == f64(w))
O [true, true]
R print(f64(0.1) * 3)
O 0.30000000447034836
R print(arange(0, 0.3, 0.1))        # the length is computed in f32, as NumPy does for float32
O [0.0, 0.1, 0.2]
R dtype f64
R print(0.1 * 3)
O 0.30000000000000004
R # threads: a directive sets the thread count; a block form only inside the block
R threads 1
R print(nthreads())
O 1
R threads 2 {
R     print(nthreads())
R }
O 2
R print(nthreads())
O 1
R let n = 1
R threads n + 1
R print(nthreads())
O 2
R threads auto
R assert(nthreads() >= 1)
