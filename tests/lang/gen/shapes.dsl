R # Shape functions and conversions of spec section 6.
L let A = reshape(arange(0, 6), 2, 3) ;; A = np.arange(0., 6).reshape(2, 3)
P shape(A) ;; A.shape
P A.shape ;; A.shape
P size(A) ;; A.size
P size(zeros(3, 0)) ;; 0
P len(A) ;; 2
P reshape(A, 3, 2) ;; ints(A.reshape(3, 2))
P reshape(A, -1) ;; ints(A.reshape(-1))
P reshape(A, 3, -1) ;; ints(A.reshape(3, -1))
P reshape(A, 1, 1, 6) ;; ints(A.reshape(1, 1, 6))
P reshape(A.T, 6) ;; ints(A.T.reshape(6))
P transpose(A) ;; ints(A.T)
P transpose([1.0, 2.0]) ;; a64([1, 2])
P transpose(reshape(arange(0, 8), 2, 2, 2)) ;; ints(np.arange(0., 8).reshape(2, 2, 2).T)
P concat([1, 2], [3]) ;; ints(a64([1, 2, 3]))
P concat(A, A) ;; ints(np.concatenate([A, A]))
P concat(A, A, axis=1) ;; ints(np.concatenate([A, A], axis=1))
P concat(A, [[9, 9, 9]], axis=0) ;; ints(np.concatenate([A, [[9, 9, 9]]]))
P concat(A, A, axis=-1) ;; ints(np.concatenate([A, A], axis=-1))
P stack([1, 2], [3, 4]) ;; ints(a64([[1, 2], [3, 4]]))
P stack([1.0, 2.0], [3.0, 4.0], axis=1) ;; np.stack([a64([1, 2]), a64([3, 4])], axis=1)
P stack(A, A, axis=2) ;; ints(np.stack([A, A], axis=2))
P stack([1, 2]) ;; ints(a64([[1, 2]]))
R # conversions
P f32(0.5) ;; f32(0.5)
P f64(f32(0.1)) ;; float(f32(0.1))
P f32([1.5, 0.1]) ;; a32([1.5, 0.1])
P f64(f32([0.1])) ;; a32([0.1]).astype(np.float64)
P f64([true, false]) ;; a64([1, 0])
P f32(2) ;; f32(2)
P f64(7) ;; 7.0
P int(-2.7) ;; -2
P int(2.7) ;; 2
P int(true) ;; 1
P int("42") ;; 42
P int(7) ;; 7
P float(3) ;; 3.0
P float(true) ;; 1.0
P str(1.5) ;; "1.5"
P str(10) ;; "10"
P str(true) ;; "true"
P str((1, "a")) ;; '(1, "a")'
P str(f32(0.1)) ;; "0.1"
P len("abc") ;; 3
P len("") ;; 0
P len("héllo") ;; 5
P len((1, 2, 3)) ;; 3
