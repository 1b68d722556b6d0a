-- Tables: sort with comparators, insert/remove/move, length, nested structures, sorted pairs.
local t = {}
for i = 1, 200 do t[i] = (i * 7919) % 211 end
table.sort(t)
print(t[1], t[100], t[200], #t)
table.sort(t, function(a, b) return a > b end)
print(t[1], t[100], t[200])
table.insert(t, 1, -1); table.insert(t, 999); print(table.remove(t), table.remove(t, 1), #t)
print(table.concat(table.move({1, 2, 3, 4, 5}, 2, 4, 1), " "))
print(table.unpack({1, 2, 3}, 2), select("#", table.unpack({1, nil, 3}, 1, 3)), select(-1, 1, 2, 3))
local inv = {}
for i, name in ipairs({"x", "y", "z", "w"}) do inv[name] = i end
local keys = {}
for k in pairs(inv) do keys[#keys + 1] = k end
table.sort(keys)
for _, k in ipairs(keys) do io.write(k, "=", inv[k], " ") end
print()
local matrix = {}
for i = 1, 30 do
  matrix[i] = {}
  for j = 1, 30 do matrix[i][j] = (i * j) % 17 end
end
local function mul(a, b)
  local c = {}
  for i = 1, #a do
    c[i] = {}
    for j = 1, #b[1] do
      local s = 0
      for k = 1, #b do s = s + a[i][k] * b[k][j] end
      c[i][j] = s
    end
  end
  return c
end
local m = mul(mul(matrix, matrix), matrix)
local tr = 0
for i = 1, 30 do tr = tr + m[i][i] end
print("trace", tr)
local big = {}
for i = 1, 100000 do big[i] = i end
for i = 1, 50000 do big[i * 2] = nil end
local cnt = 0
for _, v in pairs(big) do cnt = cnt + 1 end
print("count", cnt)
