-- Integer and float arithmetic, conversions, math library, string formatting of numbers.
local function fib(n) if n < 2 then return n end return fib(n - 1) + fib(n - 2) end
print("fib", fib(25))
print("int ops", 7 // 2, -7 // 2, 7 % -3, -7 % 3, 1 << 62, (1 << 63) - 1, math.mininteger, 3 & 5, 3 | 5, 3 ~ 5, ~0)
print("float ops", 7 / 2, -7 // 2.0, 7.5 % 2, 2^0.5, 1e308 * 10, -1e308 * 10, math.huge // 1)
print("conv", math.tointeger(3.0), math.tointeger(3.5), 10 // 0.0, tostring(0/0) == tostring(0/0), 3 == 3.0)
print("math", math.floor(-3.5), math.ceil(-3.5), math.abs(math.mininteger), math.fmod(-7, 3), math.max(1, 9, 3), math.ult(1, -1))
print(string.format("%.14g %.3f %5.1e %d %x %X %o %5s|%-5s| %q", math.pi, math.sqrt(2), 12345.678, -42, 255, 255, 8, "ab", "cd", "a\nb\0c"))
print(string.format("%a", 1.0), string.format("%g %g %g", 1e100, 1e-100, 123456789012))
local acc = 0
for i = 1, 100000 do acc = (acc * 31 + i) % 1000000007 end
print("lcg", acc)
local s = 0.0
for i = 1, 1000 do s = s + 1 / i end
print("harmonic", string.format("%.12f", s))
print("tonumber", tonumber("0x10"), tonumber("  12  "), tonumber("1e2"), tonumber("z", 36), tonumber("10", 2), tonumber("abc"))
print("int limits", math.maxinteger + 1 == math.mininteger, math.maxinteger // -1, math.mininteger // -1)
