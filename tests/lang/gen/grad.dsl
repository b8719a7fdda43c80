R # grad, value_and_grad, numgrad, gradcheck (spec section 6).
P grad(|x| x ^ 2)(3.0) ;; 6.0
P grad(|x| x * x * x)(2.0) ;; 12.0
P grad(exp)(1.0) ;; math.exp(1.0)
P grad(sin)(0.0) ;; 1.0
R fn f(x) = sum(x ^ 2)
P grad(f)([1.0, 2.0, -3.0]) ;; a64([2, 4, -6])
P grad(f)([[1.0, 2.0], [3.0, 4.0]]) ;; a64([[2, 4], [6, 8]])
R # with respect to another argument, or several
R fn h(a, b) = a * b + b
P grad(h, 1)(2.0, 3.0) ;; 3.0
P grad(h, (0, 1))(2.0, 3.0) ;; (3.0, 3.0)
P grad(h)(2.0, 3.0) ;; 3.0
R # value_and_grad gives the value and the gradient from one pass
P value_and_grad(|x| x ^ 2)(3.0) ;; (9.0, 6.0)
P value_and_grad(f)([1.0, 2.0]) ;; (5.0, a64([2, 4]))
P value_and_grad(h, (0, 1))(2.0, 3.0) ;; (9.0, (3.0, 3.0))
R # broadcasting, indexing, slicing and reductions
P grad(|w| sum([[1, 2], [3, 4]] * w))([1.0, 1.0]) ;; a64([4, 6])
P grad(|w| sum(w + zeros(3, 2)))([0.0, 0.0]) ;; a64([3, 3])
P grad(|v| v[1] * 3.0)([1.0, 2.0, 3.0]) ;; a64([0, 3, 0])
P grad(|v| sum(v[::2]))([1.0, 2.0, 3.0, 4.0, 5.0]) ;; a64([1, 0, 1, 0, 1])
P grad(|m| sum(m[:, 0]))([[1.0, 2.0], [3.0, 4.0]]) ;; a64([[1, 0], [1, 0]])
P grad(|v| mean(v))([1.0, 2.0, 3.0, 4.0]) ;; np.full(4, 0.25)
P grad(|v| max(v))([1.0, 5.0, 3.0]) ;; a64([0, 1, 0])
P grad(|v| sum(relu(v)))([-1.0, 2.0]) ;; a64([0, 1])
P grad(|v| sum(where(v > 0.0, v, 0.0 * v)))([-1.0, 2.0]) ;; a64([0, 1])
P grad(|v| sum(abs(v)))([-2.0, 3.0]) ;; a64([-1, 1])
P grad(|m| sum(m.T @ [1.0, 2.0]))([[1.0, 2.0], [3.0, 4.0]]) ;; a64([[1, 1], [2, 2]])
R # the gradient of the benchmark's cost: 2 X.T (X W - Y)
R let X = [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]
R let Y = [[1.0], [0.0], [2.0]]
R fn cost(W) = sum((X @ W - Y) ^ 2)
L let W = [[0.5], [-1.0]] ;; X = a64([[1, 2], [3, 4], [5, 6]]); Y = a64([[1], [0], [2]]); W = a64([[0.5], [-1]])
P cost(W) ;; float(((X @ W - Y) ** 2).sum())
P grad(cost)(W) ;; 2 * X.T @ (X @ W - Y)
R # control flow inside the function
R fn piecewise(x) = if x > 0.0 { x * 2.0 } else { x * -1.0 }
P grad(piecewise)(3.0) ;; 2.0
P grad(piecewise)(-3.0) ;; -1.0
R fn cube(x) {
R     let y = 1.0
R     for i in 0..3 { y = y * x }
R     y
R }
P grad(cube)(2.0) ;; 12.0
R # closures over the enclosing variables, and gradients of gradients
R let k = 3.0
P grad(|x| k * x)(1.0) ;; 3.0
P grad(grad(|x| x ^ 3))(2.0) ;; 12.0
P grad(grad(sin))(0.0) ;; -0.0
R # the gradient has the type of the argument
P grad(|x| sum(x * x))(f32([1, 2])) ;; a32([2, 4])
P grad(|x| x * x)(f32(1.5)) ;; f32(3.0)
R # finite differences, for teaching and checking
L let n = numgrad(f, [1.0, 2.0]) ;; 
R assert(all(abs(n - [2.0, 4.0]) < 1e-6), "numgrad is close")
P abs(numgrad(|x| x ^ 3, 2.0) - 12.0) < 1e-5 ;; True
P abs(numgrad(|x| x ^ 3, 2.0, eps=1e-3) - 12.000001) < 1e-9 ;; True
P gradcheck(|x| sum(sin(x) * x), [0.5, 1.0, -2.0]) < 1e-6 ;; True
P gradcheck(cost, W) < 1e-6 ;; True
P gradcheck(|x| x ^ 2, 3.0) < 1e-6 ;; True
