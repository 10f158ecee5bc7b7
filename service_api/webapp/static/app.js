// The residents' web app: one small script for every page under /m/ (no framework, no build step).
// Tokens live in localStorage and go only into Authorization headers, never into a URL.
"use strict";
(() => {
  const $ = (sel, root = document) => root.querySelector(sel);
  const MAX_SIDE = 2048;          // WeChat's own downscale: the server keeps no more than this either
  const KEEP_ORIGINAL_BYTES = 1.5e6;
  const MAX_UPLOAD_BYTES = 10e6;  // PHOTO_MAX_BYTES

  // ---- small helpers --------------------------------------------------------------------------------------
  function h(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") node.className = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : value);
    }
    for (const child of children.flat()) {
      if (child !== null && child !== undefined && child !== false) {
        node.append(child instanceof Node ? child : String(child));
      }
    }
    return node;
  }
  const store = {
    get(key, fallback) {
      try { const v = localStorage.getItem(key); return v === null ? fallback : JSON.parse(v); } catch { return fallback; }
    },
    set(key, value) { try { localStorage.setItem(key, JSON.stringify(value)); } catch { /* full or disabled */ } },
    del(key) { try { localStorage.removeItem(key); } catch { /* disabled */ } },
  };
  const shanghai = new Intl.DateTimeFormat("zh-CN", {
    timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
    hour12: false,
  });
  const when = (iso) => (iso ? shanghai.format(new Date(iso)).replace(/\//g, "-") : "");
  const show = (node, on = true) => { if (node) node.hidden = !on; };
  const say = (node, text) => { if (node) { node.textContent = text || ""; node.hidden = !text; } };
  function newKey() {
    const b = crypto.getRandomValues(new Uint8Array(16));
    return "m-" + Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  }

  // ---- the API --------------------------------------------------------------------------------------------
  class ApiError extends Error {
    constructor(status, message, code, fields) { super(message); this.status = status; this.code = code; this.fields = fields || {}; }
    get retryable() { return this.status === 0 || this.status === 429 || this.status >= 500; }
  }
  // The API's `message` names refused fields by their keys ("电话（phone）：电话号码无效", for programs and staff):
  // residents read the fields in their own words instead.
  const PHONE_HINT = "联系电话好像不对：请填写11位手机号（如 13812345678）或带区号的固定电话（如 0532-88886666），也可以不填。";
  const LOGIN_PHONE_HINT = "手机号码无效，请输入11位手机号（如 13812345678）。";
  const FIELD_WORDS = { description: "问题描述", text: "问题描述", address: "地址", code: "验证码", comment: "意见或建议",
    rating: "满意程度", solved: "是否已解决", photo_ids: "照片", location: "位置", join_case_no: "合并的案件", message: "消息" };
  function fieldProblem(errors) {
    if (errors.contact) return PHONE_HINT;
    if (errors.phone) return LOGIN_PHONE_HINT;
    const said = [];
    const walk = (words, value) => {
      if (Array.isArray(value) && value.every((v) => typeof v === "string")) said.push(words ? `${words}：${value.join("，")}` : value.join("，"));
      else if (value && typeof value === "object") for (const [key, sub] of Object.entries(value)) walk(FIELD_WORDS[key] || words, sub);
    };
    walk("", errors);
    return said.length ? said.join("；") + "。" : null;
  }
  function problem(status, body) {
    if (status === 429) return "操作太频繁，请稍等一分钟再试。";
    if (status === 413) return "照片太大（超过10MB），请换一张或截图后再传。";
    const fields = status === 422 && body && body.errors ? fieldProblem(body.errors) : null;
    if (fields) return fields;
    if (body && body.message) return body.message;
    if (status >= 500) return "服务器暂时出了问题，请稍后再试。";
    return `请求没有成功（${status}），请稍后再试。`;
  }
  async function api(path, { method = "GET", body, token, headers = {}, raw = false, keepalive = false } = {}) {
    const sent = { ...headers };
    if (token) sent.Authorization = "Bearer " + token;
    let payload = body;
    if (body !== undefined && !(body instanceof FormData)) {
      sent["Content-Type"] = "application/json";
      payload = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(path, { method, headers: sent, body: payload, credentials: "omit", cache: "no-store", keepalive });
    } catch {
      throw new ApiError(0, "网络不通，请检查网络后再试。", "offline");
    }
    if (raw && response.ok) return response;
    let data = null;
    try { data = await response.json(); } catch { /* not JSON */ }
    if (!response.ok) throw new ApiError(response.status, problem(response.status, data), data && data.code, data && data.errors);
    return data;
  }

  // ---- who the resident is on this device ---------------------------------------------------------------
  const account = {
    token: () => store.get("m.token", null),
    phone: () => store.get("m.phone", ""),
    signIn(token, phone) { store.set("m.token", token); store.set("m.phone", phone); },
    signOut() { store.del("m.token"); store.del("m.phone"); },
  };
  // Reports made on this device, each with its own access token (the only key to it before signing in).
  const mine = {
    all: () => store.get("m.reports", []),
    remember(report) {
      if (!report.access_token) return;
      const rest = mine.all().filter((r) => r.no !== report.tracking_no);
      store.set("m.reports", [{ no: report.tracking_no, token: report.access_token, id: report.id }, ...rest]);
    },
    tokenFor: (no) => (mine.all().find((r) => r.no === no) || {}).token,
  };
  const maskPhone = (typed) => {
    const digits = String(typed || "").replace(/[^0-9]/g, "").slice(-11);
    return digits.length === 11 ? digits.slice(0, 3) + "****" + digits.slice(-4) : "";
  };

  // ---- reports waiting to be sent (IndexedDB: they hold photos) ------------------------------------------
  const outbox = {
    memory: new Map(),
    db: null,
    open() {
      if (!this.db) {
        this.db = new Promise((resolve) => {
          try {
            const req = indexedDB.open("m-outbox", 1);
            req.onupgradeneeded = () => req.result.createObjectStore("reports", { keyPath: "key" });
            req.onsuccess = () => resolve(req.result);
            req.onerror = () => resolve(null);
          } catch { resolve(null); }
        });
      }
      return this.db;
    },
    async run(mode, act) {
      const db = await this.open();
      if (!db) return act(null);
      return new Promise((resolve, reject) => {
        const tx = db.transaction("reports", mode);
        const req = act(tx.objectStore("reports"));
        tx.oncomplete = () => resolve(req && req.result);
        tx.onerror = () => reject(tx.error);
      });
    },
    put(entry) { this.memory.set(entry.key, entry); return this.run("readwrite", (s) => s && s.put(entry)); },
    del(key) { this.memory.delete(key); return this.run("readwrite", (s) => s && s.delete(key)); },
    async all() {
      const rows = await this.run("readonly", (s) => s && s.getAll());
      return (rows || [...this.memory.values()]).sort((a, b) => a.created - b.created);
    },
  };
  const events = new EventTarget();
  let flushing = null;

  async function uploadPhoto(blob, token) {
    const form = new FormData();
    form.append("file", blob, "photo.jpg");
    return api("/api/v1/photos", { method: "POST", body: form, token });
  }
  // Sends one queued report. Its Idempotency-Key was fixed when it was queued: if an earlier attempt reached the
  // server but its answer was lost, the server answers this one with the same report instead of a second.
  async function deliver(entry) {
    try {
      return await send(entry);
    } catch (err) {
      if (err.status !== 401 || !entry.auth) throw err;
      // The sign-in is gone (the account was erased elsewhere, or the token expired): the server files nothing as
      // that account, so sign out here and send the report as an anonymous one (its contact number still goes).
      if (account.token() === entry.auth) account.signOut();
      entry.auth = null;
      await outbox.put(entry);
      return send(entry);
    }
  }
  async function send(entry) {
    for (const photo of entry.photos) {
      if (!photo.id) {
        photo.id = (await uploadPhoto(photo.blob, entry.auth)).id;
        photo.blob = null;
        await outbox.put(entry);
      }
    }
    const body = { description: entry.description, photo_ids: entry.photos.map((p) => p.id) };
    if (entry.channel) body.channel = entry.channel;
    for (const field of ["address", "location", "contact", "join_case_no"]) if (entry[field]) body[field] = entry[field];
    const report = await api("/api/v1/reports", {
      method: "POST", body, token: entry.auth, headers: { "Idempotency-Key": entry.key },
    });
    await outbox.del(entry.key);
    mine.remember(report);
    events.dispatchEvent(new CustomEvent("sent", { detail: { entry, report } }));
    return report;
  }
  // Offline, the browser's "online" event sends the queue; a busy server (429, 5xx) is asked again after a
  // while, so a resident who keeps the page open needs to do nothing.
  let retryTimer = null;
  function retryLater(err) {
    if (err.status === 0 || retryTimer) return;
    retryTimer = setTimeout(() => { retryTimer = null; flush(); }, err.status === 429 ? 60000 : 20000);
  }
  function flush() {
    if (flushing) return flushing;
    flushing = (async () => {
      for (const entry of await outbox.all()) {
        if (entry.error) continue;
        try {
          await deliver(entry);
        } catch (err) {
          if (err.retryable) { retryLater(err); break; } // still offline or busy: try again at the next chance
          entry.error = err.message; // the server refused it: the resident decides (edit or drop)
          await outbox.put(entry);
        }
      }
      events.dispatchEvent(new Event("changed"));
    })().finally(() => { flushing = null; });
    return flushing;
  }

  // ---- every page ---------------------------------------------------------------------------------------
  function chrome() {
    const toggle = $("#big-toggle");
    const sync = () => toggle.setAttribute("aria-pressed", String(document.documentElement.classList.contains("big")));
    sync();
    toggle.addEventListener("click", () => {
      const big = document.documentElement.classList.toggle("big");
      store.set("m.big", big ? 1 : 0);
      sync();
    });
    const banner = $("#net-banner");
    const net = () => say(banner, navigator.onLine ? "" : "当前没有网络：填写的内容会保存在本机，联网后自动提交。");
    window.addEventListener("offline", net);
    window.addEventListener("online", () => { net(); flush(); });
    net();
    flush();
    const token = account.token();
    if (token) {
      api("/api/v1/me/notifications?unread=true&page_size=1", { token })
        .then((r) => show($("#unread-dot"), r.unread > 0)).catch(() => {});
    }
  }

  // ---- 随手拍 ---------------------------------------------------------------------------------------------
  // The EXIF block of a JPEG (APP1 "Exif"), so that a photo shrunk in the browser keeps its GPS for the server.
  async function exifSegment(file) {
    try {
      const bytes = new Uint8Array(await file.slice(0, 256 * 1024).arrayBuffer());
      if (bytes[0] !== 0xff || bytes[1] !== 0xd8) return null;
      let i = 2;
      while (i + 10 < bytes.length && bytes[i] === 0xff) {
        const marker = bytes[i + 1];
        const length = (bytes[i + 2] << 8) | bytes[i + 3];
        if (marker === 0xda) break;
        if (marker === 0xe1 && String.fromCharCode(...bytes.slice(i + 4, i + 8)) === "Exif") {
          if (i + 2 + length > bytes.length) return null;
          const segment = bytes.slice(i, i + 2 + length);
          upright(segment);
          return segment;
        }
        i += 2 + length;
      }
    } catch { /* unreadable: the photo goes without its position */ }
    return null;
  }
  // The canvas already turned the pixels upright; orientation 1 keeps the server from turning them again.
  function upright(segment) {
    const view = new DataView(segment.buffer);
    const tiff = 10;
    const little = view.getUint16(tiff) === 0x4949;
    const ifd = tiff + view.getUint32(tiff + 4, little);
    const count = view.getUint16(ifd, little);
    for (let k = 0; k < count; k++) {
      const entry = ifd + 2 + k * 12;
      if (view.getUint16(entry, little) === 0x0112) view.setUint16(entry + 8, 1, little);
    }
  }
  async function shrink(file) {
    const named = /\.(jpe?g|png|webp|heic|heif|gif|bmp)$/i.test(file.name || "");
    if (!(file.type || "").startsWith("image/") && !named) throw new Error("这不是图片，请选择照片文件。");
    let bitmap;
    try {
      bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
    } catch {
      // This browser cannot decode it (HEIC on most): send it as it is, the server converts it.
      if (file.size > MAX_UPLOAD_BYTES) throw new Error("照片太大（超过10MB），请换一张。");
      return file;
    }
    const scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
    if (scale === 1 && file.type === "image/jpeg" && file.size <= KEEP_ORIGINAL_BYTES) return file;
    const canvas = document.createElement("canvas");
    canvas.width = Math.round(bitmap.width * scale);
    canvas.height = Math.round(bitmap.height * scale);
    canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    bitmap.close();
    const small = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.85));
    if (!small) throw new Error("照片处理失败，请换一张。");
    const exif = file.type === "image/jpeg" ? await exifSegment(file) : null;
    if (!exif) return small;
    const body = new Uint8Array(await small.arrayBuffer());
    return new Blob([body.slice(0, 2), exif, body.slice(2)], { type: "image/jpeg" });
  }

  function reportPage() {
    const form = $("#report-form");
    const maxPhotos = Number(form.dataset.maxPhotos);
    const fields = { description: $("#description"), address: $("#address"), phone: $("#phone") };
    // geo: the phone's position or the map pick ({lat, lng, crs}); geoFrom says which ("device" or "map").
    // addressFound: whether the typed address was found (null: not asked yet); addressWarned: the resident was told
    // it was not and may send it as it is.
    // textPlace: what the preview found in the description alone ({text, found, prompt}), the place of a report
    // written "团岛路1号门口垃圾箱满了" (the server geocodes the description); textWarned: the text its prompt was said of.
    const state = { photos: [], geo: null, geoFrom: null, lastPoint: null, join: null, nearby: [], seq: 0, picker: null,
      addressFound: null, addressWarned: false, badPhone: null, textPlace: null, textWarned: null, outside: null,
      outsideWarned: null, previewed: null };
    const error = $("#form-error");
    const PLACE_HINT = "照片带有拍摄位置时自动定位；也可以使用当前位置、在地图上选点或填写地址。";

    // What the resident typed survives a reload, a crash or a failed submit; so does the server's "this phone
    // number is wrong" (badPhone: the number it was said of), so a restored number is not shown as if fine.
    const draft = store.get("m.draft", {});
    const saveDraft = () => store.set("m.draft", {
      ...Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, v.value])), badPhone: state.badPhone });
    for (const [name, input] of Object.entries(fields)) {
      if (draft[name]) input.value = draft[name];
      input.addEventListener("input", saveDraft);
    }
    const phoneNote = h("p", { class: "error small", id: "phone-error", role: "alert", hidden: true });
    fields.phone.after(phoneNote);
    function markPhone(bad) {
      state.badPhone = bad ? fields.phone.value : null;
      fields.phone.classList.toggle("invalid", !!bad);
      if (bad) fields.phone.setAttribute("aria-invalid", "true"); else fields.phone.removeAttribute("aria-invalid");
      fields.phone.setAttribute("aria-describedby", "phone-error");
      say(phoneNote, bad ? PHONE_HINT : "");
      saveDraft();
    }
    if (draft.badPhone && draft.badPhone === fields.phone.value) markPhone(true);
    // The report's limit (DESCRIPTION_MAX): a longer text is kept whole and said to be too long, never cut.
    const maxText = Number(fields.description.dataset.max);
    const counter = $("#description-count");
    const tooLong = () => Math.max(0, fields.description.value.trim().length - maxText);
    function countText() {
      const over = tooLong();
      counter.textContent = over ? `问题描述最多${maxText}字，现在多了${over}字，请删减后再提交。`
        : `${fields.description.value.trim().length}/${maxText}`;
      counter.classList.toggle("over", over > 0);
      counter.classList.toggle("muted", over === 0);
      fields.description.classList.toggle("invalid", over > 0);
      if (over) fields.description.setAttribute("aria-invalid", "true"); else fields.description.removeAttribute("aria-invalid");
    }
    fields.description.addEventListener("input", countText);
    countText();
    fields.phone.addEventListener("input", () => { if (state.badPhone !== null) markPhone(false); });

    const samePoint = (a, b) => (!a && !b) || (!!a && !!b && a.lat === b.lat && a.lng === b.lng);
    const photoGps = () => (state.photos.find((p) => p.gps) || {}).gps || null;
    // A tap on the map is the resident's own choice: it wins over a photo's GPS (a photo taken elsewhere).
    const location = () => {
      const gps = photoGps();
      if (gps && state.geoFrom !== "map") return { lat: gps.lat, lng: gps.lng, crs: "wgs84" };
      return state.geo;
    };
    function renderPlace(text, ok, warn) {
      const place = $("#place");
      place.textContent = text;
      place.classList.toggle("ok", !!ok);
      place.classList.toggle("warn", !!warn);
    }
    function placeText(geocode) {
      const where = geocode && (geocode.description || geocode.address);
      if (state.geo && state.geoFrom === "map") return "已按地图选点定位" + (where ? `：${where}` : "");
      if (photoGps()) return "已按照片的拍摄位置定位" + (where ? `：${where}` : "");
      if (state.geo) return "已使用您当前的位置" + (where ? `：${where}` : "");
      return null;
    }

    function renderPhotos() {
      const box = $("#photos");
      box.replaceChildren(...state.photos.map((p) => h("div", { class: "thumb" + (p.error ? " bad" : "") },
        h("img", { src: p.url, alt: "待上传的照片" }),
        h("button", { type: "button", class: "x", "aria-label": "删除这张照片", onclick: () => removePhoto(p) }, "×"),
        h("span", { class: "state" }, p.error ? "失败" : p.id ? (p.gps ? "✓ 含位置" : "✓") : p.blob ? "待上传" : "处理中"))));
      for (const input of [$("#camera"), $("#photo-input")]) input.disabled = state.photos.length >= maxPhotos;
    }
    function removePhoto(photo) {
      state.photos = state.photos.filter((p) => p !== photo);
      URL.revokeObjectURL(photo.url);
      renderPhotos();
      schedulePreview();
    }
    async function addFiles(files) {
      say(error, "");
      const room = maxPhotos - state.photos.length;
      if (files.length > room) say(error, `最多${maxPhotos}张照片，多出的${files.length - room}张没有加入。`);
      for (const file of [...files].slice(0, Math.max(0, room))) {
        const photo = { url: "", blob: null, id: null, gps: null, error: null };
        try {
          photo.blob = await shrink(file);
        } catch (err) {
          say(error, err.message);
          continue;
        }
        photo.url = URL.createObjectURL(photo.blob);
        state.photos.push(photo);
        renderPhotos();
        try {
          const saved = await uploadPhoto(photo.blob, account.token());
          Object.assign(photo, { id: saved.id, gps: saved.gps, blob: null });
          if (saved.gps) schedulePreview(0);
        } catch (err) {
          if (!err.retryable) {
            state.photos = state.photos.filter((p) => p !== photo);
            say(error, "照片没有加入：" + err.message);
          } // offline: kept with its bytes, sent with the report
        }
        renderPhotos();
      }
    }
    for (const input of [$("#camera"), $("#photo-input")]) {
      input.addEventListener("change", () => { addFiles(input.files); input.value = ""; });
    }

    $("#locate").addEventListener("click", () => {
      if (!navigator.geolocation) { renderPlace("这个浏览器不能定位，请填写地址。"); return; }
      renderPlace("正在定位…");
      navigator.geolocation.getCurrentPosition((pos) => {
        state.geo = { lat: pos.coords.latitude, lng: pos.coords.longitude, crs: "wgs84" };
        state.geoFrom = "device";
        if (state.picker) state.picker.show(state.geo.lat, state.geo.lng);
        renderPlace(placeText(null), true);
        schedulePreview(0);
      }, (err) => {
        renderPlace(err.code === 1 ? "您没有允许定位。可以在浏览器设置里允许，或在下面填写地址。"
          : "暂时无法定位，请在下面填写地址。");
      }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
    });

    // No GPS in the photo and no position from the phone: a tap on the map. Leaflet and the picker are fetched
    // only now, so the page's first load stays small.
    const pickButton = $("#pick-open");
    function loadOnce(tag, attrs) {
      return new Promise((resolve, reject) => {
        const node = h(tag, attrs);
        node.addEventListener("load", resolve);
        node.addEventListener("error", () => reject(new ApiError(0, "地图没有加载成功，请检查网络后再点一次，或填写地址。")));
        document.head.append(node);
      });
    }
    let picking = null;
    function openPicker() {
      const box = $("#pick");
      const opening = box.hidden;
      show(box, opening);
      pickButton.setAttribute("aria-expanded", String(opening));
      pickButton.textContent = opening ? "收起地图" : "在地图上选点";
      if (!opening) return;
      if (state.picker) { state.picker.map.invalidateSize(); return; }
      if (picking) return;
      const d = pickButton.dataset;
      const where = (state.outside ? null : location()) || state.lastPoint || null; // outside: the served area
      // All four at once (each costs a round trip on a slow network); pick.js touches Leaflet only when called.
      const layers = fetch(d.map, { credentials: "omit" }) // cached by the browser (the URL names the version)
        .then((r) => (r.ok ? r.json() : Promise.reject(new ApiError(r.status, problem(r.status, null)))),
          () => Promise.reject(new ApiError(0, "地图没有加载成功，请检查网络后再点一次，或填写地址。")));
      picking = Promise.all([loadOnce("link", { rel: "stylesheet", href: d.leafletCss }),
        loadOnce("script", { src: d.leafletJs }), loadOnce("script", { src: d.pickJs }), layers])
        .then(() => window.MPick.open($("#pick-map"), layers, {
          start: where ? [where.lat, where.lng] : null,
          onPick: (point) => {
            state.geo = point;
            state.geoFrom = "map";
            say(error, "");
            renderPlace(photoGps() ? "已在地图上选点，以选点为准（不用照片的拍摄位置）。" : "已在地图上选点。", true);
            schedulePreview(0);
          },
        }))
        .then((picker) => {
          state.picker = picker;
          const now = location() || state.lastPoint; // found while the map loaded, or before: shown by the pin
          if (now) picker.show(now.lat, now.lng);
          $("#pick-map").dataset.ready = "1";
        })
        .catch((err) => {
          picking = null;
          show(box, false);
          pickButton.setAttribute("aria-expanded", "false");
          pickButton.textContent = "在地图上选点";
          say(error, err instanceof ApiError ? err.message : "地图没有加载成功，请稍后再试，或填写地址。");
        });
    }
    if (pickButton) pickButton.addEventListener("click", openPicker);

    // As the resident types: which matter this looks like, and open cases of it nearby (join instead of repeat).
    let timer = null;
    function schedulePreview(delay = 700) {
      clearTimeout(timer);
      timer = setTimeout(runPreview, delay);
    }
    async function runPreview() {
      const text = fields.description.value.trim().slice(0, maxText); // too long to file: still a suggestion
      if (text.length < 4 || !navigator.onLine) return;
      const seq = ++state.seq;
      const body = { text };
      if (location()) body.location = location();
      if (fields.address.value.trim()) body.address = fields.address.value.trim();
      try {
        const result = await api("/api/v1/intake/preview", { method: "POST", body, token: account.token() });
        if (seq !== state.seq) return;
        state.previewed = { text, at: body.location || null, address: body.address || "" };
        // A position (photo, phone, map) in no district served here: said now, with what to do instead.
        state.outside = body.location && result.geocode && result.geocode.outside_area
          ? { at: body.location, prompt: result.place_prompt } : null;
        if (!body.location && !body.address) {
          const found = result.geocode && result.geocode.lat != null;
          state.textPlace = { text, found: !!(found || result.place_prompt), prompt: result.place_prompt || null };
        }
        const c = result.classification;
        say($("#suggest"), c.in_scope && c.name ? `看起来是：${c.name}` : "");
        const g = result.geocode;
        // A typed address that was found moves the pin (the resident then taps to correct it if need be).
        if (g && g.lat != null && !location()) {
          state.lastPoint = { lat: g.lat, lng: g.lng };
          if (state.picker) state.picker.show(g.lat, g.lng);
        }
        const where = placeText(result.geocode);
        const typed = fields.address.value.trim();
        if (!location() && typed) state.addressFound = !!(g && g.lat != null);
        if (state.outside) renderPlace(state.outside.prompt, false, true);
        else if (where) renderPlace(where, true);
        else if (result.place_prompt) renderPlace(result.place_prompt, false, true);
        else if (g && g.description) renderPlace(`地址定位到：${g.description}`, true);
        else if (typed) renderPlace(`没有找到“${typed}”：请核对地址，或使用当前位置、在地图上选点。`, false, true);
        state.nearby = result.nearby_cases || [];
        renderNearby();
      } catch { /* the preview is a help, not a step: the report works without it */ }
    }
    function renderNearby() {
      const box = $("#nearby");
      if (state.join) {
        box.replaceChildren(h("div", { class: "joined", id: "join-note" }, `将与案件 ${state.join} 一起办理，不再重复立案。`),
          h("button", { type: "button", class: "btn ghost", id: "join-cancel", onclick: () => { state.join = null; renderNearby(); } },
            "不是同一个问题，单独反映"));
        show(box);
        return;
      }
      show(box, state.nearby.length > 0);
      box.replaceChildren(h("h2", {}, "附近已有人反映："), ...state.nearby.map((c) => h("div", { class: "case" },
        h("div", {}, h("div", {}, (c.matter && c.matter.name) || "同类问题"),
          h("div", { class: "muted small" }, `${c.address || ""} · 约${Math.round(c.distance_m)}米 · ${c.report_count}人反映`)),
        h("button", { type: "button", class: "btn ghost join", "data-case": c.case_no,
          onclick: () => { state.join = c.case_no; renderNearby(); } }, "我也遇到"))));
    }
    for (const input of [fields.description, fields.address]) input.addEventListener("input", () => schedulePreview());
    // A changed address makes the place found for the old one stale: forget it until the new one is looked up.
    fields.address.addEventListener("input", () => {
      Object.assign(state, { addressFound: null, addressWarned: false });
      if (location()) return; // the photo, the phone or the map pick is the place, not the address
      state.lastPoint = null;
      renderPlace(PLACE_HINT);
    });

    function resetForm() {
      for (const p of state.photos) URL.revokeObjectURL(p.url);
      Object.assign(state, { photos: [], geo: null, geoFrom: null, lastPoint: null, join: null, nearby: [],
        addressFound: null, addressWarned: false, textPlace: null, textWarned: null, outside: null,
        outsideWarned: null, previewed: null });
      markPhone(false);
      if (state.picker) state.picker.clear();
      if (!$("#pick").hidden) openPicker(); // folds the map away
      for (const input of Object.values(fields)) input.value = "";
      countText();
      store.del("m.draft");
      renderPhotos();
      renderNearby();
      say($("#suggest"), "");
      renderPlace(PLACE_HINT);
    }
    function showDone(report) {
      $("#tracking-no").textContent = report.tracking_no;
      $("#follow-link").href = "/m/reports/" + encodeURIComponent(report.tracking_no);
      say($("#done-join"), report.join ? report.join.message : "");
      show($("#done"));
      show(form, false);
      $("#done").scrollIntoView();
    }
    $("#again").addEventListener("click", () => { show($("#done"), false); show(form); });

    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      say(error, "");
      const description = fields.description.value.trim();
      if (description.length < 5) { say(error, "请写清楚是什么问题（至少5个字）。"); fields.description.focus(); return; }
      if (tooLong()) { // said once, under the text box, which the resident is taken back to
        fields.description.focus();
        counter.scrollIntoView({ block: "center" });
        return;
      }
      const unsent = state.photos.some((p) => !p.id);
      // What the checks below read comes from the preview: one not yet run for these words and this place (typed
      // and sent at once) is asked for now.
      const seen = state.previewed;
      const stale = !seen || seen.text !== description || !samePoint(seen.at, location())
        || seen.address !== fields.address.value.trim();
      if (navigator.onLine && stale) {
        clearTimeout(timer);
        $("#submit").disabled = true; // one press, one report
        try { await runPreview(); } finally { $("#submit").disabled = false; }
      }
      if (!location() && !fields.address.value.trim() && !unsent) {
        // The place may be in the words themselves ("江西路15号门口…"): the server finds it there as the preview
        // did.
        const inText = state.textPlace && state.textPlace.text === description ? state.textPlace : null;
        if (!inText || !inText.found) {
          say(error, "还没有位置：请点“使用当前位置”或“在地图上选点”，或拍一张带位置的照片，或填写地址（也可以在描述里写明，如“团岛路1号门口”）。");
          fields.address.focus();
          return;
        }
        if (inText.prompt && state.textWarned !== description) {
          state.textWarned = description; // said once: the resident may know better and send it as written
          say(error, `${inText.prompt}确认无误请再点一次提交。`);
          fields.address.focus();
          return;
        }
      }
      if (!location() && state.addressFound === false && !state.addressWarned && !unsent) {
        state.addressWarned = true; // said once: a place the map does not know may still be right (a new estate)
        say(error, `没有找到地址“${fields.address.value.trim()}”，处置人员可能找不到。请核对地址，或使用当前位置、在地图上选点；确认无误请再点一次提交。`);
        fields.address.focus();
        return;
      }
      const outside = state.outside && samePoint(state.outside.at, location());
      if (outside && state.outsideWarned !== state.outside) {
        state.outsideWarned = state.outside; // said once: the resident may still send it (it then goes to staff)
        say(error, `${state.outside.prompt}仍要提交请再点一次。`);
        if (pickButton) pickButton.focus();
        return;
      }
      if (state.badPhone !== null) { fields.phone.focus(); return; } // said under the number, once
      const entry = {
        key: newKey(), created: Date.now(), auth: account.token(), description, channel: form.dataset.channel,
        address: fields.address.value.trim() || null,
        location: photoGps() && state.geoFrom !== "map" ? null : state.geo, join_case_no: state.join,
        contact: fields.phone.value.trim() ? { phone: fields.phone.value.trim() } : null,
        photos: state.photos.map((p) => ({ id: p.id, blob: p.id ? null : p.blob })),
      };
      const button = $("#submit");
      button.disabled = true;
      button.textContent = "正在提交…";
      try {
        await outbox.put(entry);
        const report = await deliver(entry);
        resetForm();
        showDone(report);
      } catch (err) {
        if (err.retryable) {
          retryLater(err);
          resetForm(); // it is safe in the queue, shown below, and goes out by itself
          renderQueued();
          say(error, err.status === 0 ? "" : err.message);
        } else {
          await outbox.del(entry.key);
          if (err.fields.contact) { markPhone(true); fields.phone.focus(); } // said under the number, once
          else say(error, err.message);
        }
      } finally {
        button.disabled = false;
        button.textContent = "提交反映";
      }
    });

    async function renderQueued() {
      const box = $("#queued");
      const entries = await outbox.all();
      show(box, entries.length > 0);
      box.replaceChildren(h("h2", {}, "等待提交"), ...entries.map((e) => h("div", { class: "queued-item" },
        h("p", {}, e.description),
        e.error ? h("p", { class: "error" }, "没有提交成功：" + e.error)
          : h("p", { class: "notice" }, "网络恢复后或稍等片刻会自动提交，不会重复。已保存在本机，可以关闭页面。"),
        e.error ? h("button", { type: "button", class: "btn ghost", onclick: async () => {
          fields.description.value = e.description;
          countText();
          fields.address.value = e.address || "";
          fields.phone.value = (e.contact && e.contact.phone) || "";
          await outbox.del(e.key);
          renderQueued();
          show(form);
        } }, "放回表单修改") : null)));
    }
    events.addEventListener("changed", renderQueued);
    events.addEventListener("sent", (ev) => { renderQueued(); showDone(ev.detail.report); });
    renderQueued();
    renderPhotos();
    if (fields.description.value) schedulePreview(0);
  }

  // ---- 我的 ----------------------------------------------------------------------------------------------
  async function minePage() {
    const token = account.token();
    show($("#logout"), !!token);
    show($("#login-link"), !token);
    show($("#privacy"), !!token);
    if (token) $("#who").textContent = `已登录：${maskPhone(account.phone())}`;
    $("#logout").addEventListener("click", () => { account.signOut(); location.reload(); });
    const exporter = $("#export-data");
    if (exporter) {
      exporter.addEventListener("click", async () => {
        try {
          const response = await api("/api/v1/me/export", { token, raw: true });
          const link = h("a", { href: URL.createObjectURL(await response.blob()), download: "我的数据.json" });
          link.click();
        } catch (err) { alert(err.message); }
      });
    }
    const eraser = $("#erase-account");
    if (eraser) {
      eraser.addEventListener("click", async () => {
        if (!confirm("注销后，您的手机号、姓名等个人信息将被删除，且无法恢复。确定注销吗？")) return;
        try {
          await api("/api/v1/me", { method: "DELETE", token });
          account.signOut();
          store.del("m.reports");
          location.reload();
        } catch (err) { alert(err.message); }
      });
    }
    const list = $("#my-reports");
    const reports = [];
    let trouble = "";
    if (token) {
      try {
        reports.push(...(await api("/api/v1/me/reports?page_size=50", { token })).items);
      } catch (err) {
        if (err.status === 401) { account.signOut(); location.replace("/m/login"); return; }
        trouble = err.message;
      }
    }
    const seen = new Set(reports.map((r) => r.tracking_no));
    await Promise.all(mine.all().filter((r) => !seen.has(r.no)).map(async (local) => {
      try {
        reports.push(await api("/api/v1/reports/" + encodeURIComponent(local.no), { token: local.token }));
      } catch (err) {
        if (err.retryable) reports.push({ tracking_no: local.no, status_text: "暂时无法获取", description: "" });
      }
    }));
    reports.sort((a, b) => String(b.created_at || "").localeCompare(String(a.created_at || "")));
    const queued = await outbox.all();
    const cards = [
      ...queued.map((e) => h("div", { class: "card item" },
        h("div", { class: "top-line" }, h("span", {}, "尚未提交"), h("span", { class: "badge wait" }, e.error ? "提交失败" : "等待网络")),
        h("p", { class: "desc" }, e.description))),
      ...reports.map((r) => h("a", { class: "card item", href: "/m/reports/" + encodeURIComponent(r.tracking_no) },
        h("div", { class: "top-line" }, h("span", {}, r.tracking_no), h("span", { class: "badge" }, r.status_text)),
        h("p", { class: "desc" }, r.description),
        h("div", { class: "top-line" }, h("span", {}, (r.matter && r.matter.name) || ""), h("time", {}, when(r.created_at))))),
    ];
    if (trouble) cards.unshift(h("p", { class: "error" }, trouble));
    list.replaceChildren(...(cards.length ? cards
      : [h("div", { class: "card" }, h("p", {}, "还没有反映。"), h("a", { class: "btn primary", href: "/m/" }, "去随手拍"))]));
  }

  // ---- a report filed by another page (the scan page /c/<code>) ------------------------------------------
  function filedPage() {
    const box = $("#filed");
    const no = box.dataset.trackingNo;
    mine.remember({ tracking_no: no, access_token: box.dataset.token });
    box.removeAttribute("data-token");
    location.replace("/m/reports/" + encodeURIComponent(no)); // replace: Back does not post the form again
  }

  // ---- 反映详情 -------------------------------------------------------------------------------------------
  async function photoImg(link, token) {
    const img = h("img", { alt: "照片" });
    api(link.thumb_url, { token, raw: true }).then(async (r) => { img.src = URL.createObjectURL(await r.blob()); })
      .catch(() => { img.alt = "照片暂时无法显示"; });
    return img;
  }
  async function detailPage() {
    const box = $("#detail");
    const no = box.dataset.trackingNo;
    const config = JSON.parse(box.dataset.config);
    const token = mine.tokenFor(no) || account.token();
    if (!token) {
      box.replaceChildren(noAccess(no));
      return;
    }
    let report;
    try {
      report = await api("/api/v1/reports/" + encodeURIComponent(no), { token });
    } catch (err) {
      box.replaceChildren(err.status === 401 || err.status === 404 ? noAccess(no) : h("p", { class: "error" }, err.message));
      return;
    }
    const reached = {};
    for (const entry of report.timeline) reached[entry.action] = entry.at;
    const steps = h("ol", { class: "steps", "aria-label": "办理进度" }, config.steps.map(([label, action]) =>
      h("li", { class: reached[action] ? "done" : "" }, label, reached[action] ? h("time", {}, when(reached[action]).slice(5, 10)) : null)));
    const head = h("section", { class: "card" },
      h("div", { class: "top-line" }, h("span", {}, "受理编号 " + report.tracking_no), h("span", { class: "badge", id: "status" }, report.status_text)),
      report.case_no ? h("p", { class: "muted small" }, "案件编号 " + report.case_no) : null,
      steps,
      report.matter ? h("p", {}, "问题类别：" + report.matter.name) : null,
      h("p", {}, report.description),
      report.location_description || report.address ? h("p", { class: "muted" }, "位置：" + (report.location_description || report.address)) : null,
      report.photos.length ? h("div", { class: "gallery" }, await Promise.all(report.photos.map((p) => photoImg(p, token)))) : null,
      report.join ? h("p", { class: "notice" }, report.join.message) : null,
      report.referral ? h("p", { class: "notice" }, report.referral) : null);
    const parts = [head];
    if (report.outcome || report.outcome_photos.length) {
      parts.push(h("section", { class: "card", id: "outcome" }, h("h2", {}, "处置结果"), h("p", {}, report.outcome || ""),
        report.outcome_photos.length ? h("div", { class: "gallery" }, await Promise.all(report.outcome_photos.map((p) => photoImg(p, token)))) : null));
    }
    if (report.status === config.ratable) parts.push(ratingForm(report, token, config.ratings));
    parts.push(h("section", { class: "card" }, h("h2", {}, "办理记录"), h("ol", { class: "timeline", id: "timeline" },
      report.timeline.map((e) => h("li", {}, e.text, h("time", {}, when(e.at)))))));
    box.replaceChildren(...parts);
  }
  function noAccess(no) {
    return h("div", { class: "card" }, h("p", {}, "这台手机上没有这条反映的查看凭证。请登录提交时使用的账号，或打开短信里的链接查看。"),
      h("a", { class: "btn ghost", href: "/r/" + encodeURIComponent(no) }, "查看公开进度"), " ",
      h("a", { class: "btn ghost", href: "/m/login" }, "登录"));
  }
  function ratingForm(report, token, choices) {
    const ratings = Object.fromEntries(choices);
    const current = report.rating;
    const note = h("div", { role: "status" });
    const radios = (name, options, checked) => h("fieldset", { class: "choices" }, h("legend", {}, name === "rating" ? "满意程度" : "问题是否已解决"),
      options.map(([value, text]) => h("label", {}, h("input", { type: "radio", name, value, checked: value === checked }), h("span", {}, text))));
    const solvedNow = current ? { true: "yes", false: "no" }[String(current.solved)] : null;
    const comment = h("textarea", { id: "rating-comment", maxlength: "1000", rows: "3" });
    comment.value = (current && current.comment) || "";
    const form = h("form", { class: "card", id: "rating-form" },
      h("h2", {}, current ? "您的评价（7天内可修改）" : "请评价办理结果"),
      current ? h("p", { class: "notice", id: "rating-current" }, "您已评价：" + ratings[current.rating]) : null,
      radios("rating", choices, current && current.rating),
      radios("solved", [["yes", "已解决"], ["no", "未解决"]], solvedNow),
      h("label", { for: "rating-comment", class: "label" }, "意见或建议（选填）"), comment, note,
      h("button", { type: "submit", class: "btn primary", id: "rating-submit" }, current ? "修改评价" : "提交评价"));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const rating = form.querySelector("input[name=rating]:checked");
      const solved = form.querySelector("input[name=solved]:checked");
      if (!rating) { note.className = "error"; note.textContent = "请选择满意程度。"; return; }
      try {
        const result = await api(report.links.rating, { method: "POST", token, body: {
          rating: rating.value, solved: solved ? solved.value === "yes" : null, comment: comment.value.trim() || null,
        } });
        note.className = "notice";
        note.id = "rating-thanks";
        note.textContent = `感谢您的评价（${result.rating_text}）！` + (result.needs_review ? "案件已转交复核，我们会尽快与您联系。" : "");
      } catch (err) {
        note.className = "error";
        note.textContent = err.message;
      }
    });
    return form;
  }

  // ---- 消息 ----------------------------------------------------------------------------------------------
  async function messagesPage() {
    const list = $("#message-list");
    const token = account.token();
    if (!token) {
      list.replaceChildren(h("div", { class: "card" }, h("p", {}, "登录后可以在这里收到办理进度的消息。"),
        h("a", { class: "btn primary", href: "/m/login" }, "短信验证码登录")));
      return;
    }
    let page;
    try {
      page = await api("/api/v1/me/notifications?page_size=50", { token });
    } catch (err) {
      list.replaceChildren(h("p", { class: "error" }, err.message));
      return;
    }
    const readAll = $("#read-all");
    show(readAll, page.unread > 0);
    readAll.onclick = async () => {
      await api("/api/v1/me/notifications/read-all", { method: "POST", token }).catch(() => {});
      messagesPage();
    };
    let unread = page.unread;
    show($("#unread-dot"), unread > 0);
    list.replaceChildren(...(page.items.length ? page.items.map((m) => {
      const no = (m.body.match(/R\d{14}/) || [])[0];
      const markRead = async () => {
        if (m.read) return;
        m.read = true;
        card.classList.remove("unread");
        card.removeAttribute("aria-label");
        show($("#unread-dot"), --unread > 0);
        // keepalive: the mark still arrives when the resident follows the link away from this page
        await api(`/api/v1/me/notifications/${m.id}/read`, { method: "POST", token, keepalive: true }).catch(() => {});
      };
      const card = h("div", { class: "card msg-item" + (m.read ? "" : " unread"), tabindex: "0", role: "button",
        "aria-label": m.read ? null : "未读消息，点按标为已读", onclick: markRead,
        onkeydown: (e) => { if (e.key === "Enter") markRead(); } },
      h("p", {}, m.body), h("time", {}, when(m.sent_at || m.created_at)),
      no ? h("a", { href: "/m/reports/" + no }, "查看办理进度") : null);
      return card;
    }) : [h("p", { class: "muted" }, "暂无消息。")]));
  }

  // ---- 智能客服 ------------------------------------------------------------------------------------------
  function chatPage() {
    const log = $("#chat-log");
    const input = $("#chat-input");
    const history = store.get("m.chat.log", []);
    const add = (who, message, replay) => {
      const bubble = h("div", { class: "msg " + who }, message.text ? h("p", {}, message.text) : null,
        message.image ? h("img", { src: message.image, alt: "图片" }) : null,
        message.buttons && message.buttons.length ? h("div", { class: "buttons" }, message.buttons.map((b) =>
          h("button", { type: "button", class: "btn ghost", onclick: () => send(b.payload, b.title) }, b.title))) : null);
      log.append(bubble);
      if (!replay) store.set("m.chat.log", [...store.get("m.chat.log", []), { who, message }].slice(-60));
      window.scrollTo(0, document.documentElement.scrollHeight); // the newest message, above the input bar
    };
    for (const item of history) add(item.who, item.message, true);
    // A photo or a GPS fix goes to the bot as message metadata (bot/channels/metadata_rest.py), with words for it.
    async function send(text, shown, metadata) {
      add("me", { text: shown || text });
      const headers = {};
      const session = store.get("m.chat.session", null);
      const token = account.token();
      if (!token && session) headers["X-Chat-Session"] = session;
      try {
        const body = metadata ? { message: text, metadata } : { message: text };
        const reply = await api("/api/v1/chat", { method: "POST", token, headers, body });
        if (!token) store.set("m.chat.session", reply.session_id);
        for (const report of reply.filed || []) mine.remember(report); // a report the bot filed joins 我的
        for (const message of reply.messages) add("bot", message);
      } catch (err) {
        const retry = h("button", { type: "button", class: "btn ghost", onclick: () => { bubble.remove(); send(text, shown, metadata); } }, "重试");
        const bubble = h("div", { class: "msg bot error" }, h("p", {}, err.message), retry);
        log.append(bubble);
      }
    }
    $("#chat-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const text = input.value.trim();
      if (!text) return;
      input.value = "";
      send(text);
    });
    $("#chat-human").addEventListener("click", () => send("/request_human", "转人工"));
    const note = $("#chat-note");
    const photoInput = $("#chat-photo");
    photoInput.addEventListener("change", async () => {
      const file = photoInput.files[0];
      photoInput.value = "";
      say(note, "");
      if (!file) return;
      try {
        const saved = await uploadPhoto(await shrink(file), account.token());
        send("我拍了一张现场照片", "［照片］", { photo_ids: [saved.id], ...(saved.gps ? { location: { ...saved.gps, crs: "wgs84" } } : {}) });
      } catch (err) { say(note, "照片没有发出：" + err.message); }
    });
    $("#chat-location").addEventListener("click", () => {
      say(note, "");
      if (!navigator.geolocation) { say(note, "这个浏览器不能定位，请直接说出地址。"); return; }
      navigator.geolocation.getCurrentPosition((pos) => {
        send("我的位置", "［我的位置］", { location: { lat: pos.coords.latitude, lng: pos.coords.longitude, crs: "wgs84" } });
      }, (err) => say(note, err.code === 1 ? "您没有允许定位，请直接说出地址。" : "暂时无法定位，请直接说出地址。"),
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
    });
  }

  // ---- 登录 ----------------------------------------------------------------------------------------------
  function loginPage() {
    const phone = $("#login-phone");
    const code = $("#login-code");
    const error = $("#login-error");
    const note = $("#login-note");
    const sendButton = $("#send-code");
    sendButton.addEventListener("click", async () => {
      say(error, "");
      if (!phone.value.trim()) { say(error, "请先填写手机号。"); phone.focus(); return; }
      try {
        await api("/api/v1/auth/sms-code", { method: "POST", body: { phone: phone.value.trim() } });
        note.textContent = "验证码已发送，请查看短信。";
        let left = 60;
        sendButton.disabled = true;
        const tick = setInterval(() => {
          sendButton.textContent = `${--left}秒后可重新获取`;
          if (left <= 0) { clearInterval(tick); sendButton.disabled = false; sendButton.textContent = "获取验证码"; }
        }, 1000);
        code.focus();
      } catch (err) { say(error, err.message); }
    });
    $("#login-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      say(error, "");
      if (!/^\d{6}$/.test(code.value.trim())) { say(error, "请填写短信里的6位验证码。"); code.focus(); return; }
      try {
        const result = await api("/api/v1/auth/sms-login", { method: "POST",
          body: { phone: phone.value.trim(), code: code.value.trim() } });
        account.signIn(result.access_token, phone.value.trim());
        const tokens = mine.all().map((r) => r.token);
        if (tokens.length) {
          const claim = await api("/api/v1/me/reports/claim", { method: "POST", token: result.access_token,
            body: { access_tokens: tokens } }).catch(() => null);
          if (claim && claim.claimed.length) note.textContent = `已登录，本机的${claim.claimed.length}条反映已归入您的账号。`;
        }
        location.assign("/m/mine");
      } catch (err) { say(error, err.message); }
    });
  }

  const pages = { report: reportPage, mine: minePage, detail: detailPage, messages: messagesPage, chat: chatPage, login: loginPage,
    filed: filedPage };
  chrome();
  const page = pages[document.body.dataset.page];
  if (page) page();
  // The page is wired from here on (bench/bench_webapp.py measures the first load up to this mark).
  performance.mark("m-ready");
  document.documentElement.dataset.ready = "1";
})();
