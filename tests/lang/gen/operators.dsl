R # Every operator of spec section 5, on scalars and tensors, with NumPy broadcasting.
L let a = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]] ;; a = a64([[1, 2, 3], [4, 5, 6]])
L let b = [10.0, 20.0, 30.0] ;; b = a64([10, 20, 30])
L let c = [[2.0], [-3.0]] ;; c = a64([[2], [-3]])
R # arithmetic, tensor with tensor (broadcasting both ways)
P a + b ;; a + b
P a - b ;; a - b
P a * c ;; a * c
P a / c ;; a / c
P a % c ;; np.mod(a, c)
P a ^ c ;; a ** c
P c + b ;; c + b
P zeros(3, 1) + [1.0, 2.0] ;; np.zeros((3, 1)) + a64([1, 2])
P [[1.0, 2.0]] * [[3.0], [4.0]] ;; a64([[1, 2]]) * a64([[3], [4]])
R # arithmetic with scalars on either side
P a + 1 ;; a + 1
P 1 - a ;; 1 - a
P a * 0.5 ;; a * 0.5
P 12 / a ;; 12 / a
P a % 4 ;; np.mod(a, 4)
P -a % 4 ;; np.mod(-a, 4)
P a % -4 ;; np.mod(a, -4)
P [-7.5, 7.5] % 2 ;; np.mod(a64([-7.5, 7.5]), 2)
P a ^ 2 ;; a ** 2
P 2 ^ a ;; 2.0 ** a
P a ^ 0.5 ;; a ** 0.5
P -a ;; -a
R # float division by zero follows IEEE
P [1, -1, 0] / 0 ;; np.array([np.inf, -np.inf, np.nan])
P 1.0 / 0 ;; math.inf
R # comparisons give bools, element-wise on tensors
P a == 2 ;; a == 2
P a != 2 ;; a != 2
P a < b / 10 + 1 ;; a < b / 10 + 1
P a <= 3 ;; a <= 3
P a > c ;; a > c
P a >= 5 ;; a >= 5
P 1 == 1 ;; True
P 1 != 1 ;; False
P 2 < 1.5 ;; False
P 2 <= 2.0 ;; True
P 3 > 2 ;; True
P 0.1 + 0.2 >= 0.3 ;; True
P "abc" == "abc" ;; True
P "abc" != "abd" ;; True
P true == false ;; False
P [true, false] == [true, true] ;; arr([True, False])
P [true, false] != true ;; arr([False, True])
R # logic: and, or, not on bools and bool tensors
P true and false ;; False
P true or false ;; True
P not true ;; False
P not false or false ;; True
P [true, false, true] and [true, true, false] ;; arr([True, False, False])
P [true, false] or false ;; arr([True, False])
P not [true, false] ;; arr([False, True])
P (a > 1) and (a < 6) ;; (a > 1) & (a < 6)
R # and/or short-circuit on scalars: the right side is not evaluated
P false and 1 / 0 > 0 ;; False
P true or 1 % 0 == 0 ;; True
R # int arithmetic stays int; int / int gives a float
P 7 + 3 ;; 10
P 7 - 10 ;; -3
P 7 * 3 ;; 21
P 7 / 2 ;; 3.5
P 6 / 3 ;; 2.0
P 7 % 3 ;; 7 % 3
P -7 % 3 ;; -7 % 3
P 7 % -3 ;; 7 % -3
P -7 % -3 ;; -7 % -3
P 2 ^ 10 ;; 1024
P 2 ^ 62 ;; 2 ** 62
P 2 ^ -1 ;; 0.5
P (-3) ^ 3 ;; -27
P 9223372036854775807 - 1 ;; 9223372036854775806
P -9223372036854775807 - 1 ;; -9223372036854775808
R # mixed int and float scalars give floats
P 1 + 0.5 ;; 1.5
P 3 * 0.1 ;; 3 * 0.1
P 2 ^ 0.5 ;; 2 ** 0.5
P 7.5 % 2 ;; 7.5 % 2
P -7.5 % 2 ;; -7.5 % 2
P 7.5 % -2 ;; 7.5 % -2
R # precedence and associativity
P 1 + 2 * 3 ;; 7
P (1 + 2) * 3 ;; 9
P 2 * 3 ^ 2 ;; 18
P 2 ^ 3 ^ 2 ;; 512
P -2 ^ 2 ;; -4
P 10 - 4 - 3 ;; 3
P 2 * 6 / 4 ;; 3.0
P 1 + 2 == 3 ;; True
P 1 < 2 and 2 < 3 ;; True
P 1 > 2 or 2 < 3 and false ;; False
P 2 * [1, 2] @ [3, 4] ;; 22.0
R # matrix product: matrix-matrix, matrix-vector, vector-matrix, vector-vector
L let m = [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]] ;; m = a64([[1, 2], [3, 4], [5, 6]])
P a @ m ;; a @ m
P m @ a ;; m @ a
P a @ [1.0, 0.0, -1.0] ;; a @ a64([1, 0, -1])
P [1.0, -1.0] @ a ;; a64([1, -1]) @ a
P [1, 2, 3] @ [4, 5, 6] ;; 32.0
P a.T ;; a.T
P a.T @ a ;; a.T @ a
P a @ a.T ;; a @ a.T
P a.shape ;; (2, 3)
P a.T.shape ;; (3, 2)
P f32(a) @ f32(m) ;; a32(a) @ a32(m)
R # Floor division as Python's and NumPy's (from fmod: 1.0 // 0.1 is 9.0), ints exact.
P 7 // 2 ;; 7 // 2
P -7 // 2 ;; -7 // 2
P 7 // -2 ;; 7 // -2
P -7 // -2 ;; -7 // -2
P 1.0 // 0.1 ;; 1.0 // 0.1
P -1.0 // 0.1 ;; -1.0 // 0.1
P 7.5 // 2 ;; 7.5 // 2
P -0.0 // 3.0 ;; -0.0 // 3.0
P [7.5, -7.5, 0.3, -2.0] // [2.0, 2.0, 0.1, 0.7] ;; np.floor_divide(a64([7.5, -7.5, 0.3, -2.0]), a64([2.0, 2.0, 0.1, 0.7]))
P f32([1.0, -1.0]) // f32(0.1) ;; np.floor_divide(np.array([1.0, -1.0], dtype=np.float32), np.float32(0.1))
P [1.0, -1.0, 0.0] // 0.0 ;; np.floor_divide(a64([1.0, -1.0, 0.0]), 0.0)
P 2 + 7 // 2 * 3 ;; 2 + 7 // 2 * 3
R # i64 tensors, as NumPy's int64 arrays: ints stay ints, a float makes floats, / gives f64
L let i = [[7, -7, 3], [0, 12, -5]] ;; i = arr([[7, -7, 3], [0, 12, -5]])
L let j = [2, -3, 4] ;; j = arr([2, -3, 4])
P i + j ;; i + j
P i - 1 ;; i - 1
P i * j ;; i * j
P i // j ;; i // j
P i % j ;; np.mod(i, j)
P i / j ;; i / j
P i ^ 2 ;; i ** 2
P 2 ^ [0, 1, 10] ;; 2 ** arr([0, 1, 10])
P i * 0.5 ;; i * 0.5
P i + [0.5, 1.5, 2.5] ;; i + a64([0.5, 1.5, 2.5])
P f32(j) + j ;; a32(j) + j.astype(np.float32)
P -i ;; -i
P i < j ;; i < j
P i == 0 ;; i == 0
P maximum(i, j) ;; np.maximum(i, j)
P minimum(i, 1) ;; np.minimum(i, 1)
P where(i > 0, i, 0) ;; np.where(i > 0, i, 0)
P where(i > 0, i, 0.5) ;; np.where(i > 0, i, 0.5)
P -7 // [2, -2] ;; -7 // arr([2, -2])
