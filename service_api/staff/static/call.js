// Hotline agent page: show fields for the call type, and live intake suggestions while the agent types.
(function () {
  "use strict";
  var form = document.getElementById("call-form");
  var box = document.getElementById("suggest");
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var matter = document.getElementById("matter_code");
  var join = document.getElementById("join_case_no");
  var timer = null, seq = 0;

  function el(tag, text, attrs) {
    var node = document.createElement(tag);
    if (text) node.textContent = text;
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    return node;
  }

  function showFields() {
    var type = (form.querySelector('input[name="call_type"]:checked') || {}).value || "new_report";
    form.querySelectorAll("[data-show]").forEach(function (div) {
      div.hidden = div.getAttribute("data-show").split(" ").indexOf(type) < 0;
    });
    box.hidden = type !== "new_report";
  }

  function showJoin() {
    var note = document.getElementById("join-note");
    note.hidden = !join.value;
    document.getElementById("join-no").textContent = join.value;
  }

  function render(data) {
    var cands = document.getElementById("candidates");
    cands.innerHTML = "";
    var c = data.classification;
    if (c) {
      (c.candidates || []).slice(0, 5).forEach(function (cand) {
        var b = el("button", cand.name + " " + Math.round(cand.confidence * 100) + "%",
                   {type: "button", "data-code": cand.code, title: cand.code});
        if (matter.value === cand.code) b.className = "on";
        b.addEventListener("click", function () {
          matter.value = matter.value === cand.code ? "" : cand.code;
          cands.querySelectorAll("button").forEach(function (x) {
            x.className = x.getAttribute("data-code") === matter.value ? "on" : "";
          });
        });
        cands.appendChild(b);
      });
      if (!c.in_scope) cands.appendChild(el("p", "可能不属于城市管理范围，可选择“非受理范围（已转办）”。", {"class": "small muted"}));
    }
    var g = data.geocode;
    document.getElementById("geocode").textContent = g ? [g.district_name, g.street_name, g.community_name,
      g.grid_code ? "网格 " + g.grid_code : "", g.description].filter(Boolean).join(" · ") : "未能定位，请补充地点";
    // A road or area only (or another district): the agent asks the caller for a closer place.
    if (data.place_prompt) document.getElementById("geocode").textContent += "（" + data.place_prompt + "）";
    // The registered asset the report seems to be about (城市部件): the agent asks the caller to confirm it.
    var part = data.component;
    document.getElementById("component").textContent = part ? part.prompt + " " + part.code + " · " +
      part.status_text + (part.distance_m != null ? " · 相距 " + Math.round(part.distance_m) + " 米" : "") : "—";
    var list = document.getElementById("nearby");
    list.innerHTML = "";
    (data.nearby_cases || []).forEach(function (n) {
      var li = el("li", n.case_no + " " + (n.matter ? n.matter.name : "") + " · " + (n.address || "") + " · " +
                  Math.round(n.distance_m) + " 米 · " + n.report_count + " 条反映 ");
      var b = el("button", "加入已有案件", {type: "button", "class": "secondary", "data-case": n.case_no});
      b.addEventListener("click", function () { join.value = n.case_no; showJoin(); });
      li.appendChild(b);
      list.appendChild(li);
    });
    if (!list.children.length) list.appendChild(el("li", "无", {"class": "muted"}));
    document.getElementById("suggest-status").textContent = "已根据当前输入更新。";
  }

  // The place clicked on the map (call_map.js), if any: it wins over the typed address until that is edited.
  function clicked() {
    var lat = document.getElementById("loc-lat").value, lng = document.getElementById("loc-lng").value;
    return lat && lng ? {lat: Number(lat), lng: Number(lng), crs: document.getElementById("loc-crs").value} : null;
  }

  function ask() {
    var text = document.getElementById("description").value.trim();
    var address = document.getElementById("address").value.trim();
    var location = clicked();
    if (text.length < 2 && address.length < 2 && !location) return;
    var mine = ++seq;
    document.getElementById("suggest-status").textContent = "分析中…";
    fetch(box.getAttribute("data-url"), {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf},
      body: JSON.stringify({text: text, address: address, location: location})
    }).then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (data) {
        if (mine !== seq) return;
        render(data);
        if (window.callMap) window.callMap.show(data.map_point, !!location);
      })
      .catch(function () { document.getElementById("suggest-status").textContent = "暂时无法获取建议。"; });
  }

  var history = document.getElementById("history"), phoneTimer = null;
  function showHistory() {
    var phone = document.getElementById("phone").value.trim();
    if (phone.length < 5) return;
    fetch(history.getAttribute("data-url") + "?phone=" + encodeURIComponent(phone), {credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (data) {
        history.innerHTML = "";
        if (!data.reports.length) { history.appendChild(el("p", "没有记录", {"class": "muted"})); return; }
        var table = el("table", "", {"class": "small"}), head = el("tr");
        ["时间", "受理编号", "案件", "状态", "内容"].forEach(function (t) { head.appendChild(el("th", t)); });
        table.appendChild(head);
        data.reports.forEach(function (r) {
          var tr = el("tr"), caseCell = el("td");
          if (r.case_url) caseCell.appendChild(el("a", r.case_no, {href: r.case_url}));
          tr.appendChild(el("td", r.created_at)); tr.appendChild(el("td", r.tracking_no)); tr.appendChild(caseCell);
          tr.appendChild(el("td", r.status_text)); tr.appendChild(el("td", r.description));
          table.appendChild(tr);
        });
        history.appendChild(table);
      });
  }
  document.getElementById("phone").addEventListener("input", function () {
    clearTimeout(phoneTimer); phoneTimer = setTimeout(showHistory, 400);
  });

  function later() { clearTimeout(timer); timer = setTimeout(ask, 400); }
  document.getElementById("description").addEventListener("input", later);
  document.getElementById("address").addEventListener("input", function () {
    ["loc-lat", "loc-lng", "loc-crs"].forEach(function (id) { document.getElementById(id).value = ""; });
    later();
  });
  window.callSuggest = ask;
  document.getElementById("join-cancel").addEventListener("click", function (e) {
    e.preventDefault(); join.value = ""; showJoin();
  });
  form.querySelectorAll('input[name="call_type"]').forEach(function (r) { r.addEventListener("change", showFields); });
  showFields(); showJoin(); ask();
})();
