R # Reductions of spec section 6, with axis= and keepdims=, checked against NumPy.
L let A = [[1.0, 5.0, 3.0], [4.0, 2.0, 6.0]] ;; A = a64([[1, 5, 3], [4, 2, 6]])
P sum(A) ;; A.sum()
P sum(A, axis=0) ;; A.sum(axis=0)
P sum(A, axis=1) ;; A.sum(axis=1)
P sum(A, axis=-1) ;; A.sum(axis=-1)
P sum(A, axis=0, keepdims=true) ;; A.sum(axis=0, keepdims=True)
P sum(A, keepdims=true) ;; A.sum(keepdims=True)
P sum(A, 1) ;; A.sum(axis=1)
P mean(A) ;; A.mean()
P mean(A, axis=0) ;; A.mean(axis=0)
P mean(A, axis=1, keepdims=true) ;; A.mean(axis=1, keepdims=True)
P max(A) ;; A.max()
P max(A, axis=0) ;; A.max(axis=0)
P min(A) ;; A.min()
P min(A, axis=1) ;; A.min(axis=1)
P prod(A) ;; A.prod()
P prod(A, axis=0) ;; A.prod(axis=0)
P argmax(A) ;; int(A.argmax())
P argmin(A) ;; int(A.argmin())
P argmax(A, axis=0) ;; ints(A.argmax(axis=0).astype(float))
P argmin(A, axis=1) ;; ints(A.argmin(axis=1).astype(float))
P argmax([3, 7, 7]) ;; 1
P argmax(A, axis=1, keepdims=true) ;; ints(A.argmax(axis=1)[:, None].astype(float))
P max([1, 0 / 0.0, 3]) ;; math.nan
P min([2, 0 / 0.0]) ;; math.nan
P sum(zeros(0)) ;; 0.0
P prod(zeros(0)) ;; 1.0
R # bool tensors: any and all; sum counts the true elements as an int
L let B = [[true, false], [true, true]] ;; B = arr([[True, False], [True, True]])
P any(B) ;; True
P all(B) ;; False
P any(B, axis=0) ;; B.any(axis=0)
P all(B, axis=1) ;; B.all(axis=1)
P all(B, axis=0, keepdims=true) ;; B.all(axis=0, keepdims=True)
P sum(B) ;; 3
P sum(B, axis=0) ;; ints(B.sum(axis=0).astype(float))
P mean(B) ;; 0.75
P any([false, false]) ;; False
P all(A > 0) ;; True
R # logsumexp, softmax, norm
P logsumexp([0, 0]) ;; math.log(2)
P logsumexp([1000, 1000]) ;; 1000 + math.log(2)
P logsumexp(A, axis=1) ;; np.log(np.exp(A).sum(axis=1))
P softmax([0, 0]) ;; a64([0.5, 0.5])
P softmax([1000, 1000, 1000]) ;; np.full(3, 1 / 3)
P softmax([[0, 0], [0, 0]], axis=0) ;; np.full((2, 2), 0.5)
P norm([3, 4]) ;; 5.0
P norm([[1, 2], [2, 4]]) ;; 5.0
P norm(-2.0) ;; 2.0
R # scalars reduce to themselves
P sum(3) ;; 3
P mean(2.5) ;; 2.5
R # f32 stays f32
P sum(f32([0.1, 0.2])) ;; f32(0.1) + f32(0.2)
P f64(mean(f32([1, 2]))) ;; 1.5
R # Statistics, checked against NumPy: var and std (ddof), median and quantile (linear), running sums.
L let S = [[3.0, 1.0, 4.0, 1.5], [1.0, 5.0, 9.0, 2.0], [6.0, 5.0, 3.0, 5.0]] ;; S = a64([[3.0, 1.0, 4.0, 1.5], [1.0, 5.0, 9.0, 2.0], [6.0, 5.0, 3.0, 5.0]])
P var(S) ;; S.var()
P var(S, axis=0) ;; S.var(axis=0)
P var(S, axis=1, ddof=1) ;; S.var(axis=1, ddof=1)
P std(S) ;; S.std()
P std(S, axis=-1, keepdims=true) ;; S.std(axis=-1, keepdims=True)
P std(S, axis=0, ddof=1) ;; S.std(axis=0, ddof=1)
P var(f32(S)) ;; np.float32(S.astype(np.float32).var())
P median(S) ;; np.median(S)
P median(S, axis=0) ;; np.median(S, axis=0)
P median(S, axis=1, keepdims=true) ;; np.median(S, axis=1, keepdims=True)
P median([2.0, 0 / 0.0, 1.0]) ;; math.nan
P quantile(S, 0.3) ;; np.quantile(S, 0.3)
P quantile(S, 0.9, axis=0) ;; np.quantile(S, 0.9, axis=0)
P quantile(S, 0.0, axis=1) ;; np.quantile(S, 0.0, axis=1)
P quantile(S, 1, axis=1, keepdims=true) ;; np.quantile(S, 1.0, axis=1, keepdims=True)
P quantile(arange(0, 11) / 10, 0.73) ;; np.quantile(np.arange(0, 11) / 10, 0.73)
P cumsum(S) ;; np.cumsum(S)
P cumsum(S, axis=0) ;; np.cumsum(S, axis=0)
P cumsum(S, axis=-1) ;; np.cumsum(S, axis=-1)
P cumprod(S, axis=1) ;; np.cumprod(S, axis=1)
P cumprod([1.0, 2.0, 0.5]) ;; np.cumprod([1.0, 2.0, 0.5])
P cumsum(2.5) ;; 2.5
P var(2.0) ;; 0.0
