R # Indexing, slicing with negative indices and steps, indexed assignment, value semantics.
L let v = arange(0, 10) ;; v = np.arange(0., 10)
P v[0] ;; ints(v[0])
P v[3] ;; ints(v[3])
P v[-1] ;; ints(v[-1])
P v[-10] ;; ints(v[-10])
P v[2:5] ;; ints(v[2:5])
P v[:3] ;; ints(v[:3])
P v[7:] ;; ints(v[7:])
P v[:] ;; ints(v[:])
P v[::2] ;; ints(v[::2])
P v[1:8:3] ;; ints(v[1:8:3])
P v[-3:] ;; ints(v[-3:])
P v[:-3] ;; ints(v[:-3])
P v[-4:-1] ;; ints(v[-4:-1])
P v[::-1] ;; ints(v[::-1])
P v[8:2:-2] ;; ints(v[8:2:-2])
P v[::-3] ;; ints(v[::-3])
R # slice bounds past either end are clipped, as in NumPy
P v[5:100] ;; ints(v[5:100])
P v[-100:2] ;; ints(v[-100:2])
P shape(v[7:3]) ;; v[7:3].shape
L let M = reshape(arange(0.0, 12), 3, 4) ;; M = np.arange(0., 12).reshape(3, 4)
P M[1] ;; M[1]
P M[1, 2] ;; M[1, 2]
P M[-1, -1] ;; M[-1, -1]
P M[:, 1] ;; M[:, 1]
P M[1:, ::2] ;; M[1:, ::2]
P M[0:2, :] ;; M[0:2, :]
P M[::-1, -1] ;; M[::-1, -1]
P M[1:2, :] ;; M[1:2, :]
P shape(M[1:2, :]) ;; M[1:2, :].shape
P M[-1][1:3] ;; M[-1][1:3]
P M.T[1] ;; M.T[1]
P M.T[1:3, 0] ;; M.T[1:3, 0]
L let T3 = reshape(arange(0, 24), 2, 3, 4) ;; T3 = np.arange(0., 24).reshape(2, 3, 4)
P T3[1, 2, 3] ;; ints(T3[1, 2, 3])
P T3[:, 1, :] ;; ints(T3[:, 1, :])
P T3[1] ;; ints(T3[1])
P T3[-1, :, ::3] ;; ints(T3[-1, :, ::3])
P [true, false, true][1] ;; False
R # indexed assignment, in place
L M[0, 0] = 100 ;; M[0, 0] = 100
L M[1] = [-1, -2, -3, -4] ;; M[1] = [-1, -2, -3, -4]
L M[:, 3] = 0 ;; M[:, 3] = 0
L M[2, 0:2] += 10 ;; M[2, 0:2] += 10
L M[-1, -2] *= 3 ;; M[-1, -2] *= 3
L M[0] -= 1 ;; M[0] -= 1
L M[1:, 1] /= 2 ;; M[1:, 1] /= 2
P M ;; M
L let w = zeros(6) ;; w = np.zeros(6)
L w[::2] = [1, 2, 3] ;; w[::2] = [1, 2, 3]
L w[-1] = 9 ;; w[-1] = 9
P w ;; w
L w[::-1] = arange(0, 6) ;; w[::-1] = np.arange(0., 6)
P w ;; w
L let bits = [true, true] ;; 
L bits[0] = false ;; 
P bits ;; arr([False, True])
R # value semantics: assignment, slicing and argument passing never alias
L let u = v ;; u = v.copy()
L u[0] = 42 ;; u[0] = 42
P v[0] ;; ints(v[0])
P u[0] ;; ints(u[0])
L let s = v[2:5] ;; s = v[2:5].copy()
L s[0] = -1 ;; s[0] = -1
P v[2:5] ;; ints(v[2:5])
P s ;; ints(s)
L let t = M.T ;; t = M.T.copy()
L t[0, 1] = 7 ;; t[0, 1] = 7
P M[1, 0] ;; M[1, 0]
P t[0, 1] ;; t[0, 1]
R fn clobber(x) {
R     x[0] = 1000
R     x
R }
P clobber(v)[0] ;; ints(1000.0)
P v[0] ;; ints(v[0])
L let before = v ;; 
L v += 1 ;; 
P before[1] ;; ints(1.0)
P v[1] ;; ints(2.0)
R # tuples index with an int, negative from the end
P shape(M)[0] ;; 3
P (1, "two", 3.0)[1] ;; "two"
P (1, "two", 3.0)[-1] ;; 3.0
P M.shape[-1] ;; 4
R # Bool masks, as NumPy's boolean indexing: the mask's axes become one of the picked length.
L let M = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0], [10.0, 11.0, 12.0]] ;; M = a64([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0], [10.0, 11.0, 12.0]])
L let r = [2.0, -1.0, 0.5, -3.0] ;; r = a64([2.0, -1.0, 0.5, -3.0])
P M[r > 0] ;; M[r > 0]
P M[r > 0, :] ;; M[r > 0, :]
P M[:, [true, false, true]] ;; M[:, np.array([True, False, True])]
P M[M > 5.5] ;; M[M > 5.5]
P r[r < 0] ;; r[r < 0]
P M[r > 10] ;; M[r > 10]
P M.T[[false, true, true]] ;; M.T[np.array([False, True, True])]
P M[::-1][r > 0] ;; M[::-1][r > 0]
L let N = M ;; N = M.copy()
L N[r > 0] = 0.0 ;; N[r > 0] = 0.0
P N ;; N
L N[M > 9.5] += [100.0, 200.0, 300.0] ;; N[M > 9.5] += a64([100.0, 200.0, 300.0])
P N ;; N
L N[:, [true, false, false]] = [[1.0], [2.0], [3.0], [4.0]] ;; N[:, np.array([True, False, False])] = a64([[1.0], [2.0], [3.0], [4.0]])
P N ;; N
P M ;; M
