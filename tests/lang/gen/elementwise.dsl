R # Element-wise functions of spec section 6, checked against NumPy.
L let x = [-2, -0.5, 0, 0.5, 2] ;; x = a64([-2, -0.5, 0, 0.5, 2])
L let p = [0.25, 1, 4] ;; p = a64([0.25, 1, 4])
P abs(x) ;; np.abs(x)
P sqrt(p) ;; np.sqrt(p)
P exp(x) ;; np.exp(x)
P log(p) ;; np.log(p)
P sin(x) ;; np.sin(x)
P cos(x) ;; np.cos(x)
P tanh(x) ;; np.tanh(x)
P relu(x) ;; np.maximum(x, 0)
P sign(x) ;; np.sign(x)
P sign(-3) ;; -1
P sign(0.0) ;; 0.0
P abs(-3) ;; 3
P sqrt(2) ;; math.sqrt(2)
P exp(1) ;; math.exp(1)
P log(0.0) ;; -math.inf
P sqrt(-1.0) ;; math.nan
R # sigmoid and softplus, computed stably
P sigmoid([0.0, 1.0, -1.0]) ;; 1 / (1 + np.exp(-a64([0, 1, -1])))
P sigmoid(-800.0) ;; 0.0
P sigmoid(800.0) ;; 1.0
P softplus([0.0, 1.0, -1.0]) ;; np.log1p(np.exp(a64([0, 1, -1])))
P softplus(1000.0) ;; 1000.0
P softplus(-1000.0) ;; 0.0
R # maximum, minimum: NaN wins; where; clip; isnan
P maximum([1.0, 5.0, -1.0], [3.0, 2.0, -1.0]) ;; np.maximum(a64([1, 5, -1]), a64([3, 2, -1]))
P maximum([1, 5], 3) ;; ints(a64([3, 5]))
P minimum([[1.0], [4.0]], [2.0, 3.0]) ;; np.minimum(a64([[1], [4]]), a64([2, 3]))
P maximum(2, 7) ;; 7
P minimum(0.5, 1) ;; 0.5
P maximum([1, 0 / 0.0], 0) ;; a64([1, np.nan])
P where([true, false, true], [1, 2, 3], [10, 20, 30]) ;; ints(a64([1, 20, 3]))
P where(x > 0, x, 0) ;; np.where(x > 0, x, 0)
P where([[true], [false]], 1, [5.0, 6.0]) ;; np.where(arr([[True], [False]]), 1.0, a64([5, 6]))
P where(true, "yes", "no") ;; "yes"
P clip([-2, 0.5, 3], 0, 1) ;; np.clip(a64([-2, 0.5, 3]), 0, 1)
P clip(x, -1, [0.0, 0.0, 0.0, 1.0, 1.0]) ;; np.clip(x, -1, a64([0, 0, 0, 1, 1]))
P isnan([1, 0 / 0.0, 1 / 0.0]) ;; arr([False, True, False])
P isnan(0 / 0.0) ;; True
P isnan(1) ;; False
R # f32 in, f32 out
P exp(f32([0.0, 1.0])) ;; np.exp(a64([0, 1])).astype(np.float32)
P sqrt(f32(2)) ;; np.sqrt(f32(2))
