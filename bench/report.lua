-- wrk script: POST /api/v1/reports with varied texts and places in 市南区.
local texts = {
  "五四广场东侧垃圾桶满了，垃圾溢出来一地",
  "香港中路上有人占道摆摊卖水果",
  "山东路路边有个井盖丢了很危险",
  "晚上工地还在施工，噪音太大睡不着",
  "小区门口共享单车乱停堵住了人行道",
  "路灯不亮了，晚上很黑",
  "饭店油烟直排，整个楼道都是油烟味",
  "人行道砖破损了好几块，老人容易摔倒",
}
local counter = 0
request = function()
  counter = counter + 1
  local lat = 36.055 + (counter % 97) * 0.0003
  local lng = 120.35 + (counter % 89) * 0.0005
  local body = string.format(
    '{"description": "%s（%d）", "location": {"lat": %.6f, "lng": %.6f, "crs": "wgs84"}}',
    texts[(counter % #texts) + 1], counter, lat, lng)
  return wrk.format("POST", "/api/v1/reports", {["Content-Type"] = "application/json"}, body)
end
