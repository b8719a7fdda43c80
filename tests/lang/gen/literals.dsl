R # Literals and how values print (spec sections 2, 3 and 7).
R # ints
P 42 ;; 42
P -7 ;; -7
P 1_000_000 ;; 1000000
P 9223372036854775807 ;; 9223372036854775807
R # floats print like Python's repr
P 0.5 ;; 0.5
P 2. ;; 2.
P 1e-4 ;; 1e-4
P 3E+2 ;; 3E+2
P 1_000.5 ;; 1000.5
P 1.0 ;; 1.0
P 0.1 ;; 0.1
P 0.1 + 0.2 ;; 0.1 + 0.2
P 2.5e-5 ;; 2.5e-5
P 1e16 ;; 1e16
P 1e15 ;; 1e15
P 123456789.0 ;; 123456789.0
P 1e-7 ;; 1e-7
P 0.0001 ;; 0.0001
P 1e22 ;; 1e22
P 5e-324 ;; 5e-324
P 1.7976931348623157e308 ;; 1.7976931348623157e308
P -0.0 ;; -0.0
P 1 / 0.0 ;; math.inf
P -1 / 0.0 ;; -math.inf
P 0 / 0.0 ;; math.nan
R # bools and strings
P true ;; True
P false ;; False
P "hello" ;; "hello"
R print("tab\there", "quote \" backslash \\")
O tab	here quote " backslash \
R print("two\nlines")
O two
O lines
R # several values, separated by a space; no values prints an empty line
R print(1, "a", [1.5], true)
O 1 a [1.5] true
R print()
O 
R # tensors
P [1, 2.5] ;; a64([1, 2.5])
P [1.0, 2.0, 3.0] ;; a64([1, 2, 3])
P [[1.0, 2.0], [3.0, 4.0]] ;; a64([[1, 2], [3, 4]])
P [true, false] ;; arr([True, False])
P [[[1.0, 2.0]], [[3.0, 4.0]]] ;; a64([[[1, 2]], [[3, 4]]])
P [0.1, 1e-7, 1e16] ;; a64([0.1, 1e-7, 1e16])
P [-1, 0.5] ;; a64([-1, 0.5])
P [1 / 0.0, 0 / 0.0, -1 / 0.0] ;; a64([math.inf, math.nan, -math.inf])
R # f32 values print the shortest text that reads back to the same f32
P f32(0.1) ;; f32(0.1)
P f32(1 / 3) ;; f32(1 / 3)
P f32([0.1, 0.2, 1e-7]) ;; a32([0.1, 0.2, 1e-7])
P f64(f32(0.1)) ;; float(f32(0.1))
P f32(16777217) ;; f32(16777217)
R # a tensor longer than 80 characters on one line is laid out like numpy.array2string
P arange(0, 30) ;; np.arange(0, 30)
P [[[2, 3, -8, -2.5], [7, -4, -2, 0]], [[5, 4, 1, -4], [100, -3, -3, 4]]] ;; a64([[[2, 3, -8, -2.5], [7, -4, -2, 0]], [[5, 4, 1, -4], [100, -3, -3, 4]]])
P reshape(arange(0, 2000), 40, 50) ;; np.arange(0, 2000).reshape(40, 50)
P reshape(arange(0.0, 2000), 40, 50) ;; np.arange(0., 2000).reshape(40, 50)
P arange(0, 1001) ;; np.arange(0, 1001)
P reshape(arange(0, 24), 2, 3, 4) / 7 ;; np.arange(0., 24).reshape(2, 3, 4) / 7
P arange(0, 20) > 9.5 ;; np.arange(0., 20) > 9.5
P f32(arange(0, 12) / 3) ;; (np.arange(0., 12) / 3).astype(np.float32)
R # tuples: strings inside are quoted; a one-element tuple keeps its comma
P (1, 2.0, "a") ;; (1, 2.0, "a")
P (2,) ;; (2,)
P ((1, 2), [1.5], true) ;; ((1, 2), a64([1.5]), True)
P () ;; ()
P shape(zeros(2, 3)) ;; (2, 3)
P shape(zeros(4)) ;; (4,)
P str(1.5) ;; "1.5"
P str([1, 2]) ;; "[1, 2]"
P str([1.0, 2.0]) ;; "[1.0, 2.0]"
P len(str(0.1)) ;; 3
