R # Constructors of spec section 6, in the default float dtype.
P zeros(3) ;; np.zeros(3)
P zeros(2, 3) ;; np.zeros((2, 3))
P ones(2, 1, 2) ;; np.ones((2, 1, 2))
P full(7, 2) ;; np.full(2, 7.0)
P full(-0.5, 2, 2) ;; np.full((2, 2), -0.5)
P eye(3) ;; np.eye(3)
P eye(1) ;; np.eye(1)
P arange(0, 5) ;; ints(np.arange(0., 5))
P arange(2, 3) ;; ints(np.arange(2., 3))
P arange(0, 1, 0.25) ;; np.arange(0, 1, 0.25)
P arange(5, 0, -2) ;; ints(np.arange(5., 0, -2))
P arange(0.5, 3) ;; np.arange(0.5, 3)
P shape(arange(3, 1)) ;; np.arange(3, 1).shape
P linspace(0, 1, 5) ;; np.linspace(0, 1, 5)
P linspace(-1, 1, 3) ;; np.linspace(-1, 1, 3)
P linspace(2, 3, 1) ;; np.linspace(2, 3, 1)
P linspace(0, 1, 11) ;; np.linspace(0, 1, 11)
P shape(zeros(0)) ;; (0,)
P shape(zeros(2, 0)) ;; (2, 0)
P shape(randn(2, 3)) ;; (2, 3)
P shape(rand(4)) ;; (4,)
R seed 3
L let r = rand(1000) ;; 
R assert(all(r >= 0) and all(r < 1), "rand is in [0, 1)")
R assert(abs(mean(r) - 0.5) < 0.05, "rand looks uniform")
L let g = randn(10000) ;; 
R assert(abs(mean(g)) < 0.05, "randn has mean 0")
R assert(abs(mean(g ^ 2) - 1) < 0.05, "randn has variance 1")
R # tensor literals nest; ints and floats mix; bools make bool tensors
P [[1, 2.5], [3, 4]] ;; a64([[1, 2.5], [3, 4]])
P [zeros(2), ones(2)] ;; a64([[0, 0], [1, 1]])
P [[true], [false]] ;; arr([[True], [False]])
P [1 + 1, 2 * 3, -1] ;; ints(a64([2, 6, -1]))
