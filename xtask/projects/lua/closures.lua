-- Closures, upvalues, varargs, coroutines, metatables, error handling, goto, GC.
local function counter()
  local n = 0
  return function() n = n + 1; return n end
end
local c1, c2 = counter(), counter()
c1(); c1()
print("counters", c1(), c2())
local function va(...) return select("#", ...), ... end
print("varargs", va(1, nil, 3))
local gen = coroutine.wrap(function(a)
  for i = 1, 3 do a = coroutine.yield(a * i) end
  return "done"
end)
print("coroutine", gen(2), gen(5), gen(7), gen(9))
local co = coroutine.create(function() error("boom") end)
print("co error", coroutine.resume(co))
print("status", coroutine.status(co))
local V = {}
V.__index = V
V.__add = function(a, b) return setmetatable({x = a.x + b.x, y = a.y + b.y}, V) end
V.__eq = function(a, b) return a.x == b.x and a.y == b.y end
V.__tostring = function(v) return "(" .. v.x .. "," .. v.y .. ")" end
V.__lt = function(a, b) return a.x < b.x end
V.__len = function() return 2 end
V.__call = function(self, k) return self.x * k end
function V.new(x, y) return setmetatable({x = x, y = y}, V) end
local a, b = V.new(1, 2), V.new(3, 4)
print("meta", tostring(a + b), a == V.new(1, 2), a < b, #a, a(10))
print("pcall", pcall(function() local t = nil; return t.x end))
print("error obj", select(2, pcall(error, {code = 42})).code)
print("xpcall", xpcall(function() error("deep", 0) end, function(m) return "handled: " .. m end))
local i = 0
::top::
i = i + 1
if i < 5 then goto top end
print("goto", i)
local weak = setmetatable({}, {__mode = "k"})
weak[{}] = 1
collectgarbage(); collectgarbage()
local n = 0
for _ in pairs(weak) do n = n + 1 end
print("weak", n)
local t = setmetatable({}, {__index = function(_, k) return k * 2 end, __newindex = function(t, k, v) rawset(t, k, v + 1) end})
t[1] = 10
print("index", t[1], t[21], rawget(t, 21))
print("integer for", (function() local s = 0 for k = 10, 1, -3 do s = s + k end return s end)())
print(string.format("%q", 1/3), load("return 2 + 3")(), select(2, load("return +")))
