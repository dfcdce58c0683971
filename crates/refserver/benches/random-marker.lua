-- wrk script: every request asks for the page after a random marker (ids loaded from MARKERS).
local ids = {}
local base = os.getenv("BENCH_PATH") or "/v2/images?limit=25&marker="
for line in io.lines(os.getenv("MARKERS")) do ids[#ids + 1] = line end
math.randomseed(7)
request = function()
  return wrk.format("GET", base .. ids[math.random(#ids)])
end
