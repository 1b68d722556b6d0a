-- String library: patterns, gsub, find, byte/char, rep, reverse, pack/unpack, utf8.
local text = "The quick brown fox jumps over the lazy dog 1234 times"
print(text:upper(), #text, text:sub(5, 9), text:sub(-5), text:rep(2, "|"):len())
print(text:find("fox"), text:find("o", 20, true), text:match("(%d+)"), text:match("^(%w+)%s"))
print((text:gsub("%w+", function(w) return w:reverse() end)))
print((text:gsub("(%w+) (%w+)", "%2 %1", 3)))
local words = {}
for w in text:gmatch("%a+") do words[#words + 1] = w:lower() end
table.sort(words)
print(table.concat(words, ","))
print(("x"):byte(), string.char(72, 105), ("%d items"):format(3), ("a,b,,c"):find(",,"))
local packed = string.pack("<i4 d s1 z", -2, 1.5, "hey", "zero")
print(#packed, string.unpack("<i4 d s1 z", packed))
print(string.pack(">I2", 0x1234):byte(1, -1))
print(utf8.char(72, 228, 8364, 128512), utf8.len("häll€"), utf8.codepoint("€", 1))
for p, c in utf8.codes("aé€") do io.write(p, ":", c, " ") end
print()
print(("%5.2s|"):format("abc"), ("[%10s]"):format("right"), ("[%-10s]"):format("left"))
print(string.format("%s %s %s", nil, true, 12), tostring(1e15), tostring(2^63), tostring(-0.0))
local parts = {}
for k, v in string.gmatch("a=1, b=2, c=3", "(%w+)=(%w+)") do parts[#parts + 1] = k .. v end
print(table.concat(parts, ";"))
print(("hello world"):find("o w"), ("[test]"):gsub("[%[%]]", "%%"))
