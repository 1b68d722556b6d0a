-- CPU-bound loops: sieve, string building, sorting with many comparisons.
local N = 200000
local sieve = {}
for i = 2, N do sieve[i] = true end
for i = 2, math.floor(math.sqrt(N)) do
  if sieve[i] then
    for j = i * i, N, i do sieve[j] = false end
  end
end
local count, last = 0, 0
for i = 2, N do if sieve[i] then count = count + 1; last = i end end
print("primes", count, last)
local buf = {}
for i = 1, 10000 do buf[#buf + 1] = string.format("%04x", (i * 2654435761) % 65536) end
local s = table.concat(buf)
local h = 0
for i = 1, #s do h = (h * 33 + s:byte(i)) % 4294967296 end
print("hash", #s, h)
local arr = {}
local x = 12345
for i = 1, 30000 do x = (x * 1103515245 + 12345) % 2147483648; arr[i] = x end
table.sort(arr)
print("sorted", arr[1], arr[15000], arr[30000])
