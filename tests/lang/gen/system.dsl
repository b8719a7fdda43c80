R # print, assert, clock, args, nthreads (spec section 6, "Other").
R print(1, 2.0, "three", [4], [4.0], (5,), true)
O 1 2.0 three [4] [4.0] (5,) true
R print("")
O 
R let t0 = clock()
R let t1 = clock()
R print(t1 >= t0, t0 >= 0.0)
O true true
R print(args(), len(args()))
O () 0
R print(nthreads() >= 1)
O true
R assert(true)
R assert(1 < 2, "math works")
R assert(all([1, 2] < 3))
