R # i64 tensors, index tensors, sort and argsort (spec section 13), against NumPy's int64 arrays.
L let y = [0, 2, 1, 2, 0] ;; y = arr([0, 2, 1, 2, 0])
L let X = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0], [10.0, 11.0, 12.0]] ;; X = a64([[1, 2, 3], [4, 5, 6], [7, 8, 9], [10, 11, 12]])
L let T = reshape(arange(0, 24), 2, 3, 4) ;; T = np.arange(24).reshape(2, 3, 4)
R # arithmetic and reductions stay ints where NumPy's do
P y * 3 - 1 ;; y * 3 - 1
P y // 2 ;; y // 2
P -y % 3 ;; np.mod(-y, 3)
P y ^ 3 ;; y ** 3
P y / 4 ;; y / 4
P y + 0.5 ;; y + 0.5
P sum(y) ;; int(y.sum())
P prod(y + 1) ;; int((y + 1).prod())
P max(y) ;; int(y.max())
P min(T, axis=1) ;; T.min(axis=1)
P sum(T, axis=2, keepdims=true) ;; T.sum(axis=2, keepdims=True)
P mean(y) ;; y.mean()
P argmax(T, axis=1) ;; T.argmax(axis=1)
P argmin(X, axis=0) ;; X.argmin(axis=0)
P sum(X > 5.5, axis=0) ;; (X > 5.5).sum(axis=0)
P abs(y - 2) ;; np.abs(y - 2)
P sign(y - 1) ;; np.sign(y - 1)
P exp(y) ;; np.exp(y)
P i64([2.7, -2.7, 0.5]) ;; a64([2.7, -2.7, 0.5]).astype(np.int64)
P f64(y) ;; y.astype(float)
P cumsum(y) ;; np.cumsum(y).astype(float)
R # gather: rows, columns, elements of a row, from the end, with repeats, by a matrix of indices
P X[[3, 0, 3]] ;; X[[3, 0, 3]]
P X[[1, 2], :] ;; X[[1, 2], :]
P X[:, [2, 0]] ;; X[:, [2, 0]]
P X[1, [0, 0, 2]] ;; X[1, [0, 0, 2]]
P X[[-1, -4]] ;; X[[-1, -4]]
P X[y] ;; X[y]
P X[[[0, 1], [2, 3]]] ;; X[arr([[0, 1], [2, 3]])]
P X[1:, [0, 2]] ;; X[1:, [0, 2]]
P T[1, :, [3, 0]] ;; T[1, :, [3, 0]]
P T[:, 2, [3, 0]] ;; T[:, 2, [3, 0]]
P T[[1, 0], 1:] ;; T[[1, 0], 1:]
P y[[4, 0]] ;; y[[4, 0]]
R # scatter: the last write to a repeated index wins; += adds once per index, as NumPy
L let Z = X * 1.0 ;; Z = X.copy()
L Z[[0, 2]] = [[-1.0, -2.0, -3.0], [-4.0, -5.0, -6.0]] ;; Z[[0, 2]] = a64([[-1, -2, -3], [-4, -5, -6]])
L Z[:, [1, 1]] = [100.0, 200.0] ;; Z[:, [1, 1]] = a64([100, 200])
L Z[[3, 3]] += 1.0 ;; Z[[3, 3]] += 1.0
L Z[1, [0, 2]] = y[[1, 2]] ;; Z[1, [0, 2]] = y[[1, 2]]
P Z ;; Z
L let k = y * 1 ;; k = y.copy()
L k[[0, 1]] = 7 ;; k[[0, 1]] = 7
P k ;; k
R # sort and argsort along the last axis or another, stably, NaN last
P sort([3, 1, 2, 1]) ;; np.sort(arr([3, 1, 2, 1]))
P argsort([3, 1, 2, 1]) ;; np.argsort(arr([3, 1, 2, 1]), kind="stable")
P sort([2.5, 0 / 0.0, -1.0]) ;; np.sort(a64([2.5, np.nan, -1.0]))
P argsort([2.5, 0 / 0.0, -1.0]) ;; np.argsort(a64([2.5, np.nan, -1.0]), kind="stable")
P sort(X * [1.0, -1.0, 1.0], axis=0) ;; np.sort(X * a64([1, -1, 1]), axis=0)
P argsort(X * [1.0, -1.0, 1.0], axis=0) ;; np.argsort(X * a64([1, -1, 1]), axis=0, kind="stable")
P sort(T * -1) ;; np.sort(T * -1)
P X[argsort(X[:, 0] * -1.0)] ;; X[np.argsort(-X[:, 0], kind="stable")]
R # one_hot of int labels
P one_hot(y, 3) ;; np.eye(3)[y]
