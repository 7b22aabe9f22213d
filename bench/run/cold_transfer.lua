-- wrk script of the phlomock loopback benchmark: posts the seed's cold
-- transfer (Postman item "Cold transfer a caller") with the fake's default
-- Basic auth, and prints one JSON line of results when the run is done.
--
--   wrk -t1 -c2 -d10s -s bench/run/cold_transfer.lua \
--       http://127.0.0.1:8080/v1/phlo/P1/multi_party_call/N1

wrk.method = "POST"
wrk.body = '{"action":"cold_transfer","to":"+14152225555","role":"agent","trigger_source":"+14152223333"}'
wrk.headers["Content-Type"] = "application/json"
-- base64("MAPHLOMOCKDEFAULT001:phlomock-default-auth-token")
wrk.headers["Authorization"] = "Basic TUFQSExPTU9DS0RFRkFVTFQwMDE6cGhsb21vY2stZGVmYXVsdC1hdXRoLXRva2Vu"

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"bench":1,"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"max_us":%d,' ..
    '"err_connect":%d,"err_read":%d,"err_write":%d,"err_status":%d,"err_timeout":%d}\n',
    summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout))
end
