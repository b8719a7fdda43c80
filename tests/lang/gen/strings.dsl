R # Strings (spec section 13): `+` joins, f-strings with Python's format specs, str, format,
R # numbers read from text. Each f-string is checked against Python's format() of the same spec.
L let i = 3 ;; i = 3
L let l = 0.123456789 ;; l = 0.123456789
L let s = "loss" ;; s = "loss"
P "a" + "b" ;; "ab"
P "" + "" + "x" ;; "x"
P s + ": " + str(l) ;; s + ": " + repr(l)
P "a" + "b" == "ab" ;; True
R # f-strings: text, fields, escapes
P f"step {i}: loss {l:.4f}" ;; "step 3: loss " + format(l, ".4f")
P f"" ;; ""
P f"plain" ;; "plain"
P f"{{}} {{{i}}} }}{{" ;; "{} {3} }{"
P f"{i}{i}{i}" ;; "333"
P f"{ i * 2 } {i + 0.5}" ;; "6 3.5"
P f"tab\t{i}\"q\"\\" ;; "tab\t3\"q\"\\"
P f"{f"{i}" + "x"}" ;; "3x"
P f"{s!r} {s!s:>6} {l!r}" ;; '"loss"   loss ' + repr(l)
P f"{(1, "a")}" ;; '(1, "a")'
R # floats: f, e, g, %, no type, precision only
P f"{l}|{l:}|{l:10}|{l:.3}" ;; "|".join([repr(l), repr(l), format(l, "10"), format(l, ".3")])
P f"{l:>10.3f}|{l:<10.3e}|{l:^12.2f}|{l:=+10.2f}" ;; "|".join(format(l, f) for f in [">10.3f", "<10.3e", "^12.2f", "=+10.2f"])
P f"{l:.3g} {1e-7:.3g} {123456789.0:g} {100.0:.3} {1.0:.3} {12.0:g}" ;; " ".join([format(l, ".3g"), format(1e-7, ".3g"), format(123456789.0, "g"), format(100.0, ".3"), format(1.0, ".3"), format(12.0, "g")])
P f"{2.675:.2f} {0.125:.2f} {2.5:.0f} {9.99:.1f} {1.0:.0e} {1234.5:E}" ;; " ".join([format(2.675, ".2f"), format(0.125, ".2f"), format(2.5, ".0f"), format(9.99, ".1f"), format(1.0, ".0e"), format(1234.5, "E")])
P f"{0.5:.1%} {0.5:%} {0.000123:%}" ;; " ".join([format(0.5, ".1%"), format(0.5, "%"), format(0.000123, "%")])
P f"{0.1:.20f}" ;; format(0.1, ".20f")
P f"{1e300:.3e} {1e22:f}" ;; format(1e300, ".3e") + " " + format(1e22, "f")
R # thousands, with decimals and zero padding
P f"{1234567:,} {1234567.891:,.2f} {-1234.5:,} {1234567:_} {0.5:,}" ;; " ".join([format(1234567, ","), format(1234567.891, ",.2f"), format(-1234.5, ","), format(1234567, "_"), format(0.5, ",")])
P f"{1234:06,} {1234:07,} {1234:08,} {1234.5:010,.1f} {-1234:09,}" ;; " ".join([format(1234, "06,"), format(1234, "07,"), format(1234, "08,"), format(1234.5, "010,.1f"), format(-1234, "09,")])
R # ints: sign, zero padding, fill and alignment, radix
P f"{i:+d} {i: d} {-i:+d} {i:05d} {-i:05d} {i:=+5} {i:*^7} {i:x<3}" ;; " ".join(format(v, f) for v, f in [(3, "+d"), (3, " d"), (-3, "+d"), (3, "05d"), (-3, "05d"), (3, "=+5"), (3, "*^7"), (3, "x<3")])
P f"{255:x} {255:X} {255:#x} {255:o} {255:#o} {255:b} {255:_b} {65535:_x} {-255:#x}" ;; " ".join(format(v, f) for v, f in [(255, "x"), (255, "X"), (255, "#x"), (255, "o"), (255, "#o"), (255, "b"), (255, "_b"), (65535, "_x"), (-255, "#x")])
P f"{i:.2f} {i:e} {i:g} {i:%}" ;; " ".join(format(3, f) for f in [".2f", "e", "g", "%"])
P f"{-9223372036854775807 - 1:,}" ;; format(-9223372036854775808, ",")
R # text
P f"{"ab":>5}|{"ab":<5}|{"ab":^6}|{"abcdef":.3}|{"ab":-^6}|{"ab"}" ;; "|".join([format("ab", ">5"), format("ab", "<5"), format("ab", "^6"), format("abcdef", ".3"), format("ab", "-^6"), "ab"])
P f"{true} {false:>6}|" ;; "true  false|"
R # NaN, infinities, negative zero
P f"{0.0 / 0.0} {1.0 / 0.0:>8.2f} {-1.0 / 0.0:e} {0.0 / 0.0:+f} {1.0 / 0.0:F} {1.0 / 0.0:08.1f}" ;; " ".join([repr(math.nan), format(math.inf, ">8.2f"), format(-math.inf, "e"), format(math.nan, "+f"), format(math.inf, "F"), format(math.inf, "08.1f")])
P f"{-0.0} {-0.0:.2f} {-0.0:g} {-0.0:+.1f} {-0.0:e}" ;; " ".join([repr(-0.0), format(-0.0, ".2f"), format(-0.0, "g"), format(-0.0, "+.1f"), format(-0.0, "e")])
R # a huge width
P f"{i:>300}|" ;; format(3, ">300") + "|"
R # f32 values format at their own precision
L let h = f32(0.1) ;; h = np.float32(0.1)
P f"{h} {h:.3f} {h:.10f}" ;; "0.1 " + format(float(h), ".3f") + " " + format(float(h), ".10f")
R # tensors: as print writes them; a spec applies to each element
P f"{[1.0, 2.5]}" ;; "[1.0, 2.5]"
P f"{[1.0, 2.12345]:.2f}" ;; "[1.00, 2.12]"
P f"{[[1.0, -2.0], [3.0, 4.0]]:+.1f}" ;; "[[+1.0, -2.0], [+3.0, +4.0]]"
P f"{[1.0, 22.5]:6.1f}" ;; "[" + ", ".join(format(x, "6.1f") for x in [1.0, 22.5]) + "]"
P f"{[1.0, 22.5, 333.25]:.1f}" ;; "[1.0, 22.5, 333.2]"
P f"{[1.0, 2.0] > 1.5} {[1.0, 2.0] > 1.5:>6}" ;; "[false, true] [ false,   true]"
P f"{f32([0.1, 0.25]):.3f}" ;; "[0.100, 0.250]"
R # str and format
P str(1.5) ;; "1.5"
P str([1.0, 2.0]) + "!" ;; "[1.0, 2.0]!"
P str(true) + str(3) + str("x") ;; "true3x"
P str((1, 2.5, "a")) ;; '(1, 2.5, "a")'
P len(str(0.1 + 0.2)) ;; len(repr(0.1 + 0.2))
P format(1234.5678, ",.2f") ;; format(1234.5678, ",.2f")
P format(3) + format("ab", "^6") + "|" ;; "3  ab  |"
R # numbers from text
P float("0.1") ;; 0.1
P float("  -2.5e-3 ") ;; -2.5e-3
P float("inf") ;; math.inf
P float("-Infinity") ;; -math.inf
P float("nan") ;; math.nan
P float("1e400") ;; math.inf
P float("0.1") * 3 ;; 0.1 * 3
P f32("0.1") ;; np.float32(0.1)
P f64("0.1") ;; 0.1
P int("42") ;; 42
P int(" -7 ") ;; -7
P int("+5") ;; 5
P int("9223372036854775807") ;; 9223372036854775807
R # round (ties to even, as NumPy), floor, ceil
P round(2.675, 2) ;; np.round(2.675, 2)
P round([0.125, 2.5, -1.25, 3.5], 1) ;; np.round(a64([0.125, 2.5, -1.25, 3.5]), 1)
P round([0.5, 1.5, 2.5, -0.5]) ;; np.round(a64([0.5, 1.5, 2.5, -0.5]))
P round(1234.5678, -2) ;; np.round(1234.5678, -2)
P round(2.5) ;; np.round(2.5)
P round(f32(2.675), 2) ;; np.round(np.float32(2.675), 2)
P round(1e300, 2) ;; np.round(1e300, 2)
P round(0.0 / 0.0, 2) ;; math.nan
P round(1234, -2) ;; int(np.round(1234, -2))
P (round(250, -2), round(350, -2), round(-250, -2), round(7), round(7, 3)) ;; (200, 400, -200, 7, 7)
P floor([-1.5, -0.5, 0.5, 2.7]) ;; np.floor(a64([-1.5, -0.5, 0.5, 2.7]))
P ceil([-1.5, -0.5, 0.5, 2.2]) ;; np.ceil(a64([-1.5, -0.5, 0.5, 2.2]))
P (floor(3), ceil(-3), floor(2.5), ceil(f32(1.2)), floor(1.0 / 0.0)) ;; (3, -3, 2.0, np.ceil(np.float32(1.2)), math.inf)
R # print's sep and end
R print(1, 2, 3, sep=", ")
O 1, 2, 3
R print("a", end="")
R print("b")
O ab
R print(sep="-")
O 
R print("x", "y", sep="", end="!\n")
O xy!
R let p = print
R p("by", "value")
O by value
R # precision N: floats in tensors print with at most N digits after the point
R let A = [0.123456, 2.5, 3.0, 1e-7, 0.00012345]
R print(A)
O [0.123456, 2.5, 3.0, 1e-07, 0.00012345]
R precision 3
R print(A, 1.23456789)
O [0.123, 2.5, 3.0, 1e-07, 0.0] 1.23456789
R print(str(A) == f"{A}", f"{A:.1f}")
O true [0.1, 2.5, 3.0, 0.0, 0.0]
R print([1.23456e-7, 9.87654321e20, 0.0 / 0.0, -1.0 / 0.0])
O [1.235e-07, 9.877e+20, nan, -inf]
R print(f32([0.1, 0.123456]), (A[0], [A[0]]))
O [0.1, 0.123] (0.123456, [0.123])
R print(arange(0, 14) / 7)
O [  0.0, 0.143, 0.286, 0.429, 0.571, 0.714, 0.857,   1.0, 1.143, 1.286, 1.429,
O  1.571, 1.714, 1.857]
R precision 0
R print([1.5, 2.5, -0.4])
O [2.0, 2.0, -0.0]
R precision auto
R print(A)
O [0.123456, 2.5, 3.0, 1e-07, 0.00012345]
R # `precision` is still a name
R let precision = 2
R print(precision * 2)
O 4
R # under `dtype f32`, float(...) reads text at f32 precision
R dtype f32
R print(float("0.1"), f64(float("0.1")), f"{float("0.1"):.10f}")
O 0.1 0.10000000149011612 0.1000000015
