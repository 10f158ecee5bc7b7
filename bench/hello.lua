wrk.method = "POST"
wrk.body = '{"description": "hello"}'
wrk.headers["Content-Type"] = "application/json"
