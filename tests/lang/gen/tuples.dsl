R # Tuples: building, indexing, destructuring, passing and returning.
L let t = (1, 2.5, "three", [4.0, 5.0]) ;; t = (1, 2.5, "three", a64([4, 5]))
P t ;; t
P len(t) ;; 4
P t[2] ;; "three"
P t[-1] ;; t[-1]
L let (a, b, c, d) = t ;; a, b, c, d = t
P a ;; a
P b ;; b
P c ;; c
P d ;; d
L let (p, (q, r)) = (1, (2, 3)) ;; 
P p + q + r ;; 6
R fn minmax(v) = (min(v), max(v))
L let (lo, hi) = minmax([3, -1, 7]) ;; 
P lo ;; ints(-1.0)
P hi ;; ints(7.0)
P minmax([2, 2]) ;; ints((2.0, 2.0))
L let (rows, cols) = shape(zeros(4, 5)) ;; 
P rows * cols ;; 20
P (1,) ;; (1,)
P ((1,),) ;; ((1,),)
P len(()) ;; 0
P ("a", ("b", 1)) ;; ("a", ("b", 1))
R # tuples index with an int and print with their strings quoted
P (true, 0.5, -3) ;; (True, 0.5, -3)
R fn swap(pair) = (pair[1], pair[0])
P swap((1, "x")) ;; ("x", 1)
R # tuples compare item by item with == and !=
L let Z = zeros(3, 4) ;; Z = np.zeros((3, 4))
P shape(Z) == (3, 4) ;; Z.shape == (3, 4)
P Z.shape != (4, 3) ;; Z.shape != (4, 3)
P (1, "a", 2.0) == (1, "a", 2) ;; (1, "a", 2.0) == (1, "a", 2)
P (1, 2) == (1, 2, 3) ;; (1, 2) == (1, 2, 3)
